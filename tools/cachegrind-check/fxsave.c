/*
 * Save and restore the x87/SSE state with fxsave/fxrstor into a 64 KiB area. Valgrind models
 * these as one helper that reads or writes a large block (lackey reports it 160 bytes long);
 * cachegrind cuts such accesses to its smallest line size, and so must the model.
 */
#include <stdio.h>

static char area[64 * 1024] __attribute__((aligned(64)));

int main(void) {
  for (int round = 0; round < 4; round++)
    for (int i = 0; i < 128; i++) {
      char *slot = area + i * 512;
      __asm__ volatile("fxsave (%0)" : : "r"(slot) : "memory");
      __asm__ volatile("fxrstor (%0)" : : "r"(slot) : "memory");
    }
  printf("%d\n", area[100]);
  return 0;
}
