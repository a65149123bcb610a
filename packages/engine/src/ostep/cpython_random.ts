/**
 * CPython's `random` module generator, reproduced bit for bit: the MT19937 Mersenne Twister,
 * seeded from an integer the way `random.seed(n)` does it, and the few methods the OSTEP homework
 * scripts call (`random()`, `getrandbits(k)`, `randrange`/`randint` via `_randbelow`).
 *
 * Seeding from an int: CPython takes |n|, splits it into 32-bit words, least significant first
 * (one zero word for n = 0), and feeds them to the reference `init_by_array`. `random()` is the
 * reference `genrand_res53`: 27 high bits of one output and 26 of the next, over 2**53.
 *
 * All arithmetic is on unsigned 32-bit words kept in a Uint32Array; `Math.imul` gives the low 32
 * bits of the products exactly as C's uint32_t multiplication does.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The 32-bit words of |seed|, least significant first; [0] for zero. */
export function seedKey(seed: bigint): number[] {
  let n = seed < 0n ? -seed : seed;
  if (n === 0n) {
    return [0];
  }
  const key: number[] = [];
  while (n > 0n) {
    key.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return key;
}

export class CPythonRandom {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;

  /** `random.Random(seed)`: a generator seeded as `random.seed(seed)` would seed it. */
  constructor(seed: bigint | number = 0n) {
    this.seed(seed);
  }

  /** `random.seed(n)` for an int n (a JS number must be an integer). */
  seed(seed: bigint | number): void {
    if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be an integer, not ${seed}`);
    }
    this.initByArray(seedKey(BigInt(seed)));
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ?? 0;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ?? 0;
      const mixed = ((mt[i] ?? 0) ^ Math.imul((prev ^ (prev >>> 30)) >>> 0, 1664525)) >>> 0;
      mt[i] = (mixed + (key[j] ?? 0) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] ?? 0;
        i = 1;
      }
      if (j >= key.length) {
        j = 0;
      }
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ?? 0;
      const mixed = ((mt[i] ?? 0) ^ Math.imul((prev ^ (prev >>> 30)) >>> 0, 1566083941)) >>> 0;
      mt[i] = (mixed - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] ?? 0;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next raw 32-bit output (C's `genrand_uint32`). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      for (let kk = 0; kk < N; kk++) {
        const y = ((mt[kk] ?? 0) & UPPER_MASK) | ((mt[(kk + 1) % N] ?? 0) & LOWER_MASK);
        const twisted = (mt[(kk + M) % N] ?? 0) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
        mt[kk] = twisted >>> 0;
      }
      this.index = 0;
    }
    let y = mt[this.index++] ?? 0;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random.random()`: a double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /** `random.getrandbits(k)`: an int with k random bits, filled 32 bits at a time from the low end. */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) {
      throw new RangeError("number of bits must be non-negative");
    }
    if (k === 0) {
      return 0n;
    }
    if (k <= 32) {
      return BigInt(this.nextUint32() >>> (32 - k));
    }
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let word = this.nextUint32();
      if (left < 32) {
        word >>>= 32 - left;
      }
      result |= BigInt(word) << shift;
      shift += 32n;
    }
    return result;
  }

  /** `Random._randbelow(n)` (the getrandbits flavour): a uniform int in [0, n), n > 0. */
  randbelow(n: bigint): bigint {
    if (n <= 0n) {
      throw new RangeError("randbelow needs a positive bound");
    }
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) {
      r = this.getrandbits(k);
    }
    return r;
  }

  /** `random.randrange(start, stop)` with step 1 (start < stop). */
  randrange(start: bigint, stop: bigint): bigint {
    const width = stop - start;
    if (width <= 0n) {
      throw new RangeError(`empty range for randrange() (${start}, ${stop}, ${width})`);
    }
    return start + this.randbelow(width);
  }

  /** `random.randint(a, b)`: a uniform int in [a, b]. */
  randint(a: bigint, b: bigint): bigint {
    return this.randrange(a, b + 1n);
  }
}
