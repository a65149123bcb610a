// Accesses per second of the Cachegrind model (built engine: npm run build):
//   node tools/cachegrind-check/bench.mjs [LACKEY_TRACE...]
// First a synthetic stream fed straight to the simulator (instruction fetches walking a loop,
// loads and stores over a 1 MiB array with a stride), then each lackey trace given, read
// whole into memory and parsed on the way (parser + model, no file reading in the timing).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { CachegrindSimulator, LackeyAccessParser } from "../../packages/engine/dist/src/index.js";

const GEOMETRIES = {
  "host-like (LL 480 MiB, 30-way)": {
    I1: { size: 65536, assoc: 16, lineSize: 64 },
    D1: { size: 49152, assoc: 12, lineSize: 64 },
    LL: { size: 503316480, assoc: 30, lineSize: 64 },
  },
  "small (32K 8-way, 1M 16-way)": {
    I1: { size: 32768, assoc: 8, lineSize: 64 },
    D1: { size: 32768, assoc: 8, lineSize: 64 },
    LL: { size: 1048576, assoc: 16, lineSize: 64 },
  },
};

function synthetic(simulator, accesses) {
  const base = 0x4000_0000;
  for (let i = 0; i < accesses; i += 3) {
    simulator.instruction(0, 0x401000 + ((i * 4) & 0x3fff), 4);
    simulator.read(0, base + ((i * 72) & 0xfffff), 8);
    simulator.write(0x7ffd, 0xf000_0000 + ((i * 8) & 0xffff), 8);
  }
}

for (const [name, geometry] of Object.entries(GEOMETRIES)) {
  const accesses = 30_000_000;
  const simulator = new CachegrindSimulator(geometry);
  synthetic(simulator, 3_000_000); // warm up the JIT
  const start = performance.now();
  synthetic(simulator, accesses);
  const seconds = (performance.now() - start) / 1000;
  console.log(`synthetic, ${name}: ${(accesses / seconds / 1e6).toFixed(1)} M accesses/s`);
}

for (const path of process.argv.slice(2)) {
  const raw = readFileSync(path);
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  const simulator = new CachegrindSimulator(GEOMETRIES["host-like (LL 480 MiB, 30-way)"]);
  const parser = new LackeyAccessParser(simulator);
  const start = performance.now();
  for (let offset = 0; offset < bytes.length; offset += 1 << 20) {
    parser.push(bytes.subarray(offset, offset + (1 << 20)));
  }
  parser.end();
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${path}: ${parser.records} records, ${(parser.records / seconds / 1e6).toFixed(1)} M records/s (parse + model)`,
  );
}
