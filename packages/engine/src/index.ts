/**
 * @vmscope/engine: a simulator of Linux virtual memory on x86-64.
 *
 * Build a Machine (optionally from `machine` options), spawn processes and drive them, or run a
 * scenario written in the `.vms` language.
 */
export * from "./arch/pagetable/index.js";
export * from "./arch/x86/cpu_options.js";
export * from "./arch/x86/cpu_presets.js";
export * from "./arch/x86/mmu.js";
export * from "./arch/x86/page_fault.js";
export * from "./arch/x86/pgtable.js";
export * from "./arch/x86/psc.js";
export * from "./arch/x86/timing.js";
export * from "./arch/x86/tlb.js";
export { DYNAMIC_ASIDS, SINGLE_PAGE_FLUSH_CEILING } from "./arch/x86/tlb_contexts.js";
export { DEFAULT_DISK, DISK_PRESETS, type DiskModel } from "./block/disk.js";
export * from "./cache/cache.js";
export * from "./cache/hierarchy.js";
export * from "./cachegrind/index.js";
export * from "./config.js";
export * from "./explain.js";
export * from "./invariants/index.js";
export * from "./machine.js";
export { type ProcessLayout, processLayout, X86_64_LAYOUT } from "./mm/exec.js";
export * from "./mm/frames.js";
export * from "./mm/mmap.js";
export * from "./mm/vma.js";
export { VMSTAT_NAMES } from "./mm/vmstat.js";
export * from "./mrc/shards.js";
export * from "./mrc/stack_distance.js";
export * from "./ostep/cpython_random.js";
export * from "./ostep/paging_linear_translate.js";
export * from "./ostep/paging_multilevel_translate.js";
export * from "./ostep/paging_policy.js";
export * from "./policy/key_index.js";
export * from "./policy/params.js";
export type * from "./policy/policy.js";
export * from "./policy/registry.js";
export * from "./policy/run.js";
export * from "./policy/simulator.js";
export * from "./probe.js";
export * from "./proc/index.js";
export * from "./process.js";
export * from "./replay/index.js";
export type * from "./scenario/ast.js";
export * from "./scenario/builtins.js";
export * from "./scenario/errors.js";
export * from "./scenario/parser.js";
export * from "./scenario/report.js";
export * from "./scenario/runner.js";
export * from "./scenario/units.js";
export * from "./trace/index.js";
export * from "./trace/synthetic.js";
