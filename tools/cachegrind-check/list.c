/*
 * Walk a linked list whose nodes lie in memory in a shuffled order, so each step jumps to a
 * line far from the last one. 64-byte nodes: one cache line each.
 */
#include <stdio.h>
#include <stdlib.h>

struct node {
  struct node *next;
  long value;
  char pad[48];
};

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  int walks = argc > 2 ? atoi(argv[2]) : 4;
  struct node *nodes = malloc(sizeof(struct node) * n);
  int *order = malloc(sizeof(int) * n);
  if (nodes == NULL || order == NULL) return 1;
  for (int i = 0; i < n; i++) order[i] = i;
  unsigned state = 777;
  for (int i = n - 1; i > 0; i--) { /* Fisher-Yates with a fixed LCG */
    state = state * 1664525u + 1013904223u;
    int j = (int)(state % (unsigned)(i + 1));
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < n; i++) {
    nodes[order[i]].value = i;
    nodes[order[i]].next = i + 1 < n ? &nodes[order[i + 1]] : NULL;
  }
  long sum = 0;
  for (int w = 0; w < walks; w++)
    for (struct node *p = &nodes[order[0]]; p != NULL; p = p->next) sum += p->value;
  printf("sum %ld\n", sum);
  return 0;
}
