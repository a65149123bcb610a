/*
 * A program without the C library, so its lackey trace holds only these few thousand accesses:
 * read-modify-write sweeps over a buffer (lackey M records), loads that straddle two lines, and
 * stores, then the exit system call.
 */
static char buffer[16384] __attribute__((aligned(64)));

void _start(void) {
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 16384; i += 200) buffer[i] += (char)round;
    for (int i = 0; i < 64; i++) {
      unsigned long value = *(volatile unsigned long *)(buffer + i * 128 + 60);
      *(volatile unsigned long *)(buffer + i * 256 + 8) = value + 1;
    }
  }
  __asm__ volatile("mov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall" : : : "rax", "rdi", "memory");
  __builtin_unreachable();
}
