/**
 * System-wide event counters under their /proc/vmstat names (mm/vmstat.c, vm_event_item.h).
 * One Float64Array indexed by these constants, so counting is one array increment.
 */
export const VMSTAT_NAMES = [
  "pgfault",
  "pgmajfault",
  "pgalloc_normal",
  "pgfree",
  "pgpgin",
  "pgpgout",
  "pgactivate",
  "pgdeactivate",
  "pgrefill",
  "pswpin",
  "pswpout",
  "pgscan_kswapd",
  "pgscan_direct",
  "pgscan_anon",
  "pgscan_file",
  "pgsteal_kswapd",
  "pgsteal_direct",
  "pgsteal_anon",
  "pgsteal_file",
  "allocstall_normal",
  "pageoutrun",
  "oom_kill",
  "thp_fault_alloc",
  "thp_fault_fallback",
  "thp_split_pmd",
  "thp_zero_page_alloc",
  "thp_zero_page_alloc_failed",
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
export const PGPGIN = indexOf("pgpgin");
export const PGPGOUT = indexOf("pgpgout");
export const PGACTIVATE = indexOf("pgactivate");
export const PGDEACTIVATE = indexOf("pgdeactivate");
export const PGREFILL = indexOf("pgrefill");
export const PSWPIN = indexOf("pswpin");
export const PSWPOUT = indexOf("pswpout");
export const PGSCAN_KSWAPD = indexOf("pgscan_kswapd");
export const PGSCAN_DIRECT = indexOf("pgscan_direct");
export const PGSCAN_ANON = indexOf("pgscan_anon");
export const PGSCAN_FILE = indexOf("pgscan_file");
export const PGSTEAL_KSWAPD = indexOf("pgsteal_kswapd");
export const PGSTEAL_DIRECT = indexOf("pgsteal_direct");
export const PGSTEAL_ANON = indexOf("pgsteal_anon");
export const PGSTEAL_FILE = indexOf("pgsteal_file");
export const ALLOCSTALL_NORMAL = indexOf("allocstall_normal");
export const PAGEOUTRUN = indexOf("pageoutrun");
export const OOM_KILL = indexOf("oom_kill");
export const THP_FAULT_ALLOC = indexOf("thp_fault_alloc");
export const THP_FAULT_FALLBACK = indexOf("thp_fault_fallback");
export const THP_SPLIT_PMD = indexOf("thp_split_pmd");
export const THP_ZERO_PAGE_ALLOC = indexOf("thp_zero_page_alloc");
export const THP_ZERO_PAGE_ALLOC_FAILED = indexOf("thp_zero_page_alloc_failed");
export const NR_TLB_LOCAL_FLUSH_ALL = indexOf("nr_tlb_local_flush_all");
export const NR_TLB_LOCAL_FLUSH_ONE = indexOf("nr_tlb_local_flush_one");
export function newVmstatCounters(): Float64Array {
  return new Float64Array(VMSTAT_NAMES.length);
}
