/**
 * System-wide event counters under their /proc/vmstat names (mm/vmstat.c, vm_event_item.h).
 * One Float64Array indexed by these constants, so counting is one array increment.
 */
export const VMSTAT_NAMES = [
  "pgfault",
  "pgmajfault",
  "pgalloc_normal",
  "pgfree",
  "pgactivate",
  "pgdeactivate",
  "pswpin",
  "pswpout",
  "pgscan_kswapd",
  "pgscan_direct",
  "pgsteal_kswapd",
  "pgsteal_direct",
  "thp_fault_alloc",
  "nr_tlb_local_flush_all",
  "nr_tlb_local_flush_one",
] as const;

export type VmstatName = (typeof VMSTAT_NAMES)[number];

function indexOf(name: VmstatName): number {
  return VMSTAT_NAMES.indexOf(name);
}

export const PGFAULT = indexOf("pgfault");
export const PGMAJFAULT = indexOf("pgmajfault");
export const PGALLOC_NORMAL = indexOf("pgalloc_normal");
export const PGFREE = indexOf("pgfree");
export const NR_TLB_LOCAL_FLUSH_ALL = indexOf("nr_tlb_local_flush_all");
export const NR_TLB_LOCAL_FLUSH_ONE = indexOf("nr_tlb_local_flush_one");
export function newVmstatCounters(): Float64Array {
  return new Float64Array(VMSTAT_NAMES.length);
}
