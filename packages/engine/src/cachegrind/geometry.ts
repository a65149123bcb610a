/**
 * Cachegrind's cache configuration: the `--I1/--D1/--LL size,assoc,line_size` options, the
 * checks its simulator needs, the geometry it picks from the host's caches, and the way it bends
 * a last-level cache whose set count is not a power of two. Mirrors valgrind's
 * `cachegrind/cg_arch.c`; the messages are cachegrind's own words.
 */

/** One cache as cachegrind describes it: total bytes, ways, bytes per line. */
export interface CachegrindCacheGeometry {
  size: number;
  assoc: number;
  lineSize: number;
}

/** The three caches cachegrind simulates: first-level instruction and data, one shared last level. */
export interface CachegrindGeometry {
  I1: CachegrindCacheGeometry;
  D1: CachegrindCacheGeometry;
  LL: CachegrindCacheGeometry;
}

export type CachegrindCacheName = keyof CachegrindGeometry;

/** Lines shorter than this could let one instruction straddle three lines (cg_arch.h MIN_LINE_SIZE). */
export const CACHEGRIND_MIN_LINE_SIZE = 16;

/** Largest value of a C `Int`: cachegrind stores each parameter in one. */
const INT_MAX = 2 ** 31 - 1;

/**
 * What cachegrind falls back to on x86 and amd64 when CPUID tells it nothing
 * (configure_caches in cg_arch.c).
 */
export const CACHEGRIND_FALLBACK_GEOMETRY: Readonly<CachegrindGeometry> = Object.freeze({
  I1: Object.freeze({ size: 65536, assoc: 2, lineSize: 64 }),
  D1: Object.freeze({ size: 65536, assoc: 2, lineSize: 64 }),
  LL: Object.freeze({ size: 262144, assoc: 8, lineSize: 64 }),
});

/** A cache geometry cachegrind would refuse, or an option it cannot read. */
export class CachegrindConfigError extends Error {
  override name = "CachegrindConfigError";
}

/** VG_(log2)(n) !== -1, for the values cachegrind feeds it (whole numbers below 2^32). */
function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 2 ** 31 && (n & (n - 1)) === 0;
}

/**
 * check_cache (cg_arch.c): null when the simulator can model `cache`, else cachegrind's reason,
 * tested in cachegrind's order. Parameters are whole numbers of at least 1.
 */
export function checkCachegrindCache(cache: CachegrindCacheGeometry): string | null {
  const { size, assoc, lineSize } = cache;
  if (size % (lineSize * assoc) !== 0 || !isPowerOfTwo(size / lineSize / assoc)) {
    return "Cache set count is not a power of two.";
  }
  if (!isPowerOfTwo(lineSize)) return "Cache line size is not a power of two.";
  if (lineSize < CACHEGRIND_MIN_LINE_SIZE) return "Cache line size is too small.";
  if (size <= lineSize) return "Cache size <= line size.";
  if (assoc > size / lineSize) return "Cache associativity > (size / line size).";
  return null;
}

/**
 * parse_cache_opt (cg_arch.c): `"32768,8,64"` → size 32768, 8 ways, 64-byte lines, checked.
 * `option` (for example "--D1") only names the option in the error message.
 */
export function parseCachegrindCacheOption(option: string, text: string): CachegrindCacheGeometry {
  const match = /^(\d+),(\d+),(\d+)$/.exec(text.trim());
  if (match === null) {
    throw new CachegrindConfigError(
      `${option} '${text}': expected SIZE,ASSOC,LINE_SIZE in bytes, ways and bytes, e.g. 32768,8,64`,
    );
  }
  const [size, assoc, lineSize] = [match[1], match[2], match[3]].map(Number) as [
    number,
    number,
    number,
  ];
  if (size > INT_MAX || assoc > INT_MAX || lineSize > INT_MAX) {
    throw new CachegrindConfigError(
      `${option} '${text}': One of the cache parameters was too large and overflowed.`,
    );
  }
  if (size === 0 || assoc === 0 || lineSize === 0) {
    throw new CachegrindConfigError(
      `${option} '${text}': size, associativity and line size must each be at least 1`,
    );
  }
  const cache = { size, assoc, lineSize };
  const problem = checkCachegrindCache(cache);
  if (problem !== null) throw new CachegrindConfigError(`${option} '${text}': ${problem}`);
  return cache;
}

/** floor_power_of_2 (cg_arch.c): the largest power of two ≤ n, for 1 ≤ n < 2^32. */
function floorPowerOfTwo(n: number): number {
  return 2 ** (31 - Math.clz32(n));
}

/**
 * maybe_tweak_LLc (cg_arch.c): a last-level cache whose set count is not a power of two (12 MiB,
 * 16-way, 64-byte lines has 12288 sets) keeps its line size, takes the power of two below as its
 * set count, and scales its ways up by the same factor (rounded), so the total size stays about
 * the same. Returns the cache unchanged when its set count is already a power of two and its
 * size divides exactly.
 */
export function tweakCachegrindLastLevel(cache: CachegrindCacheGeometry): CachegrindCacheGeometry {
  const { size, assoc, lineSize } = cache;
  if (size === 0 || assoc === 0 || lineSize === 0) return cache;
  const sets = Math.floor(size / (assoc * lineSize));
  if (sets === 0) return cache;
  if (isPowerOfTwo(sets)) {
    const exactSize = lineSize * assoc * sets;
    return exactSize === size ? cache : { size: exactSize, assoc, lineSize };
  }
  const newSets = floorPowerOfTwo(sets);
  const newAssoc = Math.floor(0.5 + (sets / newSets) * assoc);
  return { size: lineSize * newAssoc * newSets, assoc: newAssoc, lineSize };
}

/** One CPU cache as the host describes it (Linux: /sys/devices/system/cpu/cpu0/cache/index*). */
export interface HostCache {
  level: number;
  type: "Data" | "Instruction" | "Unified";
  size: number;
  assoc: number;
  lineSize: number;
}

/** Where one cache's geometry came from. */
export type CachegrindGeometrySource = "option" | "host" | "fallback";

export interface CachegrindConfiguration {
  geometry: CachegrindGeometry;
  source: Record<CachegrindCacheName, CachegrindGeometrySource>;
  /** Cachegrind's own warnings for this configuration (without its `warning: ` prefix). */
  warnings: string[];
}

function formatThousands(n: number): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The caches cachegrind would simulate: VG_(post_clo_init_configure_caches) in cg_arch.c. The
 * host's first-level instruction and data caches and its unified cache at the highest level
 * (configure_caches); cachegrind's x86 fallback when one of them is missing; the last level
 * bent to a power-of-two set count (maybe_tweak_LLc); then each cache given as an option
 * replaces the detected one. A detected cache the simulator cannot model is an error unless an
 * option replaces it. Options are expected already checked (parseCachegrindCacheOption). The
 * warnings (all about the last level) are left out when `options.LL` is given.
 */
export function configureCachegrindCaches(
  options: Partial<CachegrindGeometry>,
  host: readonly HostCache[],
): CachegrindConfiguration {
  const warnings: string[] = [];
  const levels = host.reduce((highest, cache) => Math.max(highest, cache.level), 0);
  const find = (type: HostCache["type"], level: number): HostCache | undefined =>
    host.find((cache) => cache.level === level && cache.type === type);
  const i1 = find("Instruction", 1);
  const d1 = find("Data", 1);
  const ll = find("Unified", levels);
  if (host.length > 0 && ll === undefined) {
    warnings.push("L2 cache not installed, ignore LL results.");
  }
  if (ll !== undefined && levels > 2) {
    warnings.push(`L${levels} cache found, using its data for the LL simulation.`);
  }
  const detected = i1 !== undefined && d1 !== undefined && ll !== undefined;
  const pick = (cache: HostCache | undefined, fallback: CachegrindCacheGeometry) =>
    detected && cache !== undefined
      ? { size: cache.size, assoc: cache.assoc, lineSize: cache.lineSize }
      : { ...fallback };
  const found: CachegrindGeometry = {
    I1: pick(i1, CACHEGRIND_FALLBACK_GEOMETRY.I1),
    D1: pick(d1, CACHEGRIND_FALLBACK_GEOMETRY.D1),
    LL: pick(ll, CACHEGRIND_FALLBACK_GEOMETRY.LL),
  };
  const tweaked = tweakCachegrindLastLevel(found.LL);
  if (tweaked.size !== found.LL.size || tweaked.assoc !== found.LL.assoc) {
    warnings.push(
      `specified LL cache: line_size ${found.LL.lineSize}  assoc ${found.LL.assoc}  total_size ${formatThousands(found.LL.size)}`,
      `simulated LL cache: line_size ${tweaked.lineSize}  assoc ${tweaked.assoc}  total_size ${formatThousands(tweaked.size)}`,
    );
    found.LL = tweaked;
  }
  const source = {} as Record<CachegrindCacheName, CachegrindGeometrySource>;
  const geometry = {} as CachegrindGeometry;
  for (const name of ["I1", "D1", "LL"] as const) {
    const given = options[name];
    if (given !== undefined) {
      geometry[name] = { ...given };
      source[name] = "option";
      continue;
    }
    const problem = checkCachegrindCache(found[name]);
    if (problem !== null) {
      const { size, assoc, lineSize } = found[name];
      throw new CachegrindConfigError(
        `Auto-detected ${name} cache configuration not supported: ${problem} ` +
          `(${name}: ${formatThousands(size)} B, ${assoc}-way, ${lineSize} B lines); ` +
          `give --${name}=SIZE,ASSOC,LINE_SIZE`,
      );
    }
    geometry[name] = found[name];
    source[name] = detected ? "host" : "fallback";
  }
  // Cachegrind prints its LL warnings even when --LL replaces the detected cache; they only
  // matter when the detected one is simulated.
  return { geometry, source, warnings: options.LL === undefined ? warnings : [] };
}

/** A geometry the way cachegrind's `-v` prints it: `65,536 B, 16-way, 64 B lines`. */
export function describeCachegrindCache(cache: CachegrindCacheGeometry): string {
  return `${formatThousands(cache.size)} B, ${cache.assoc}-way, ${cache.lineSize} B lines`;
}
