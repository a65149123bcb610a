/**
 * Zone watermarks as Linux's mm/page_alloc.c derives them at boot, for a machine whose managed
 * memory is one zone.
 *
 * Free memory below `low` wakes kswapd, which reclaims until free memory is back above `high`;
 * below `min` an allocation must reclaim for itself (direct reclaim), and only atomic and
 * PF_MEMALLOC allocations may dip further. The three are set from min_free_kbytes, which the
 * kernel sizes from the square root of memory so that it grows slower than memory does.
 *
 * All arithmetic is on integers and rounds down, as the kernel's unsigned long arithmetic does.
 *
 * Not modelled:
 * - Several zones. A real x86-64 machine has ZONE_DMA (16 MiB) and ZONE_DMA32 besides ZONE_NORMAL,
 *   and pages_min is shared out between them in proportion to their managed pages; with one zone
 *   that zone gets all of it.
 * - khugepaged's set_recommended_min_free_kbytes(), which raises min_free_kbytes when transparent
 *   huge pages are enabled (to keep free pageblocks around for THP allocations), capped at 5% of
 *   memory. On distribution kernels with THP on, that is usually the value /proc shows.
 * - A user-set vm.min_free_kbytes surviving recalculation (user_min_free_kbytes), WMARK_PROMO
 *   (high + step, used by NUMA memory tiering) and watermark boosting.
 */

/** vm.watermark_scale_factor's default: the low-min and high-low gaps are 10/10000 of memory. */
export const DEFAULT_WATERMARK_SCALE_FACTOR = 10;

/** Bounds calculate_min_free_kbytes() puts on its own estimate, in KiB. */
const MIN_FREE_KBYTES_FLOOR = 128;
const MIN_FREE_KBYTES_CEILING = 262_144;

/** The range the vm.watermark_scale_factor sysctl accepts. */
const WATERMARK_SCALE_FACTOR_MIN = 1;
const WATERMARK_SCALE_FACTOR_MAX = 3000;

/** 4 KiB pages: PAGE_SHIFT - 10 in the kernel's KiB-to-pages shifts. */
const KIB_PER_PAGE = 4;

/** 256 PiB of pages: keeps managed * 4 KiB * 16 an exact double for the square root. */
const MAX_MANAGED_PAGES = 2 ** 46;

export interface Watermarks {
  minFreeKbytes: number;
  /** in pages */
  min: number;
  /** in pages */
  low: number;
  /** in pages */
  high: number;
}

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/**
 * int_sqrt(): the floor of the square root. Math.sqrt is correctly rounded, but its result can
 * land on the next integer for large non-squares, so step down (or up) until exact.
 */
function integerSquareRoot(n: number): number {
  let root = Math.floor(Math.sqrt(n));
  while (root * root > n) root--;
  while ((root + 1) * (root + 1) <= n) root++;
  return root;
}

/**
 * mult_frac(x, numerator, denominator): x * numerator / denominator rounded down, computed as
 * quotient and remainder so that the kernel never overflows the product.
 */
function multiplyFraction(x: number, numerator: number, denominator: number): number {
  const quotient = Math.floor(x / denominator);
  const remainder = x % denominator;
  return quotient * numerator + Math.floor((remainder * numerator) / denominator);
}

/**
 * calculate_min_free_kbytes() (run by init_per_zone_wmark_min() at boot and on memory hotplug):
 * int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144] KiB. lowmem_kbytes is
 * nr_free_buffer_pages(), which at boot, with the watermarks still zero, is the managed pages.
 * So 256 MiB gets about 2 MiB, 16 GiB about 16 MiB, and the 256 MiB ceiling is reached at 4 TiB;
 * the 128 KiB floor only applies below 1 MiB of managed memory.
 */
export function defaultMinFreeKbytes(managedPages: number): number {
  requireInteger("managedPages", managedPages, 0, MAX_MANAGED_PAGES);
  const lowmemKbytes = managedPages * KIB_PER_PAGE;
  const estimate = integerSquareRoot(lowmemKbytes * 16);
  return Math.min(Math.max(estimate, MIN_FREE_KBYTES_FLOOR), MIN_FREE_KBYTES_CEILING);
}

/**
 * __setup_per_zone_wmarks() for one zone holding all managed pages:
 * - min is the zone's share of pages_min = min_free_kbytes >> (PAGE_SHIFT - 10), here all of it;
 * - the gap between min and low, and again between low and high, is the larger of min / 4 (so
 *   that small machines still get room for kswapd to work in) and managed * watermarkScaleFactor
 *   / 10000 (so that big machines wake kswapd a fixed fraction of memory early).
 */
export function zoneWatermarks(
  managedPages: number,
  minFreeKbytes: number,
  watermarkScaleFactor: number,
): Watermarks {
  requireInteger("managedPages", managedPages, 0, MAX_MANAGED_PAGES);
  requireInteger("minFreeKbytes", minFreeKbytes, 0);
  requireInteger(
    "watermarkScaleFactor",
    watermarkScaleFactor,
    WATERMARK_SCALE_FACTOR_MIN,
    WATERMARK_SCALE_FACTOR_MAX,
  );
  const min = Math.floor(minFreeKbytes / KIB_PER_PAGE);
  const step = Math.max(
    Math.floor(min / 4),
    multiplyFraction(managedPages, watermarkScaleFactor, 10_000),
  );
  const low = min + step;
  return { minFreeKbytes, min, low, high: low + step };
}
