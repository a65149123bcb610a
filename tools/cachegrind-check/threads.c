/*
 * Two threads each sum their own 400 KB array four times, then add to a shared total with an
 * atomic (lock xadd: a compare-and-swap in valgrind's IR, a read then a write of one place).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define LENGTH 50000

static long data[2][LENGTH];
static atomic_long total;

static void *work(void *argument) {
  long *values = argument;
  long sum = 0;
  for (int round = 0; round < 4; round++)
    for (int i = 0; i < LENGTH; i++) {
      values[i] += i;
      sum += values[i];
    }
  atomic_fetch_add(&total, sum);
  return NULL;
}

int main(void) {
  pthread_t threads[2];
  for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, work, data[i]);
  for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
  printf("total %ld\n", (long)total);
  return 0;
}
