/*
 * The worked example of docs/replay.md: write a 4 MiB buffer one cache line at a time, then read
 * it back one page at a time.
 *
 *   gcc -O1 -o walk walk.c
 *   vmscope record -- ./walk
 *   vmscope replay walk.lackey.gz
 *
 * malloc(4 MiB) is above glibc's mmap threshold, so malloc maps the buffer with mmap: the first
 * loop takes one page fault per page (1024), the second none, and it misses the L1 dTLB (64
 * entries) on every page.
 */
#include <stdlib.h>

#define SIZE (4 << 20)
#define LINE 64
#define PAGE 4096

int main(void) {
  volatile char *buffer = malloc(SIZE);
  if (buffer == NULL) return 2;
  for (long offset = 0; offset < SIZE; offset += LINE) buffer[offset] = 1;
  long sum = 0;
  for (long offset = 0; offset < SIZE; offset += PAGE) sum += buffer[offset];
  return sum == SIZE / PAGE ? 0 : 1;
}
