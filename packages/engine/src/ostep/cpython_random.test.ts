import { describe, expect, it } from "vitest";
import { CPythonRandom, seedKey } from "./cpython_random.js";

// Every expected value below was printed by CPython 3.11 (python3 -c "import random; ...").

function firstFive(seed: bigint): number[] {
  const rng = new CPythonRandom(seed);
  return Array.from({ length: 5 }, () => rng.random());
}

describe("CPythonRandom", () => {
  it.each([
    [
      0n,
      [
        0.8444218515250481, 0.7579544029403025, 0.420571580830845, 0.25891675029296335,
        0.5112747213686085,
      ],
    ],
    [
      1n,
      [
        0.13436424411240122, 0.8474337369372327, 0.763774618976614, 0.2550690257394217,
        0.49543508709194095,
      ],
    ],
    [
      42n,
      [
        0.6394267984578837, 0.025010755222666936, 0.27502931836911926, 0.22321073814882275,
        0.7364712141640124,
      ],
    ],
    [
      123456789n,
      [
        0.6414006161858726, 0.5421892680969495, 0.9931750662832721, 0.8432521366869166,
        0.8117339283379406,
      ],
    ],
    [
      2n ** 40n + 5n,
      [
        0.5043802970418443, 0.2686044399723282, 0.9257865475671585, 0.530959239292452,
        0.8179643216302002,
      ],
    ],
    [
      -7n,
      [
        0.32383276483316237, 0.15084917392450192, 0.6509344730398537, 0.07243628666754276,
        0.5358820043066892,
      ],
    ],
    [
      2n ** 64n - 1n,
      [
        0.021825695401270107, 0.3380953268613758, 0.21196748656082065, 0.6151259995625727,
        0.9195709817171983,
      ],
    ],
    [
      2n ** 100n + 3n,
      [
        0.3567616365770526, 0.9714727250299201, 0.8878281370584883, 0.47079212592777886,
        0.7486286030976262,
      ],
    ],
  ])("random.seed(%s); random.random() x5", (seed, expected) => {
    expect(firstFive(seed)).toEqual(expected);
  });

  it("keeps step after the state is regenerated (1001st value for seed 1)", () => {
    const rng = new CPythonRandom(1n);
    for (let i = 0; i < 1000; i++) {
      rng.random();
    }
    expect(rng.random()).toBe(0.4116430517162146);
  });

  it("seeds from a JS number like the same bigint, and reseeds", () => {
    const rng = new CPythonRandom(42);
    expect(rng.random()).toBe(0.6394267984578837);
    rng.seed(0);
    expect(rng.random()).toBe(0.8444218515250481);
    expect(() => rng.seed(1.5)).toThrow(RangeError);
  });

  it("splits the seed into 32-bit words, low first, ignoring the sign", () => {
    expect(seedKey(0n)).toEqual([0]);
    expect(seedKey(-5n)).toEqual([5]);
    expect(seedKey(2n ** 40n + 5n)).toEqual([5, 256]);
    expect(seedKey(2n ** 64n - 1n)).toEqual([0xffffffff, 0xffffffff]);
  });

  it("getrandbits matches random.seed(0); [getrandbits(k) for k in (1,5,31,32,33,64,100)]", () => {
    const rng = new CPythonRandom(0n);
    const got = [1, 5, 31, 32, 33, 64, 100].map((k) => rng.getrandbits(k));
    expect(got).toEqual([
      1n,
      12n,
      1627694678n,
      3823568514n,
      1806341205n,
      17809683713383489082n,
      1141276462758851372969594381922n,
    ]);
    expect(rng.getrandbits(0)).toBe(0n);
    expect(() => rng.getrandbits(-1)).toThrow(RangeError);
  });

  it("randint matches random.seed(42); randint(1,10) x8, randint(0, 2**40) x3", () => {
    const rng = new CPythonRandom(42n);
    const small = Array.from({ length: 8 }, () => rng.randint(1n, 10n));
    expect(small).toEqual([2n, 1n, 5n, 4n, 4n, 3n, 2n, 9n]);
    const large = Array.from({ length: 3 }, () => rng.randint(0n, 2n ** 40n));
    expect(large).toEqual([70531617177n, 201991441006n, 512040151179n]);
    expect(() => rng.randrange(3n, 3n)).toThrow(RangeError);
  });
});
