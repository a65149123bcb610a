/* Sort N pseudo-random ints with the C library's qsort: calls through a function pointer. */
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *x, const void *y) {
  int a = *(const int *)x, b = *(const int *)y;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  int *values = malloc(sizeof(int) * n);
  if (values == NULL) return 1;
  unsigned state = 12345;
  for (int i = 0; i < n; i++) {
    state = state * 1103515245u + 12345u; /* a fixed LCG: the same input every run */
    values[i] = (int)(state >> 8);
  }
  qsort(values, n, sizeof(int), compare);
  for (int i = 1; i < n; i++)
    if (values[i - 1] > values[i]) return 3;
  printf("min %d max %d\n", values[0], values[n - 1]);
  return 0;
}
