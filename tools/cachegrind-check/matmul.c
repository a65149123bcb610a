/*
 * Multiply two N x N matrices of doubles with a chosen loop order.
 *   matmul ikj [N]   rows of B and C walked in order: few D1 misses
 *   matmul jki [N]   columns of A and C walked with a stride of N doubles: many D1 misses
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *order = argc > 1 ? argv[1] : "ikj";
  int n = argc > 2 ? atoi(argv[2]) : 96;
  double *a = malloc(sizeof(double) * n * n);
  double *b = malloc(sizeof(double) * n * n);
  double *c = calloc((size_t)n * n, sizeof(double));
  if (a == NULL || b == NULL || c == NULL) return 1;
  for (int i = 0; i < n * n; i++) {
    a[i] = (double)(i % 7);
    b[i] = (double)(i % 5);
  }
  if (strcmp(order, "ikj") == 0) {
    for (int i = 0; i < n; i++)
      for (int k = 0; k < n; k++) {
        double aik = a[i * n + k];
        for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
      }
  } else if (strcmp(order, "jki") == 0) {
    for (int j = 0; j < n; j++)
      for (int k = 0; k < n; k++) {
        double bkj = b[k * n + j];
        for (int i = 0; i < n; i++) c[i * n + j] += a[i * n + k] * bkj;
      }
  } else {
    fprintf(stderr, "usage: matmul ikj|jki [N]\n");
    return 2;
  }
  double trace = 0;
  for (int i = 0; i < n; i++) trace += c[i * n + i];
  printf("trace %.0f\n", trace);
  return 0;
}
