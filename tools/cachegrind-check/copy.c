/*
 * Bulk memory work through the C library: memset, memcpy and strlen over 256 KiB buffers.
 * glibc picks AVX2 versions here, so the loads and stores are 32 bytes wide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  size_t size = argc > 1 ? (size_t)atol(argv[1]) : 256 * 1024;
  int rounds = argc > 2 ? atoi(argv[2]) : 4;
  char *a = malloc(size + 1);
  char *b = malloc(size + 1);
  if (a == NULL || b == NULL) return 1;
  size_t total = 0;
  for (int r = 0; r < rounds; r++) {
    memset(a, 'a' + r, size);
    a[size] = 0;
    memcpy(b, a, size + 1);
    total += strlen(b);
  }
  printf("total %zu\n", total);
  return 0;
}
