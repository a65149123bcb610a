/** Cachegrind's cache model: I1, D1 and LL as valgrind's `cachegrind` simulates them. */
export * from "./cache.js";
export * from "./geometry.js";
export * from "./simulator.js";
export * from "./summary.js";
