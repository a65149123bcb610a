/** Registration of the trace-driven commands: policies, sim, compare, mrc, gen. */
import type { Command } from "commander";
import { compareCommand } from "./compare.js";
import { genCommand } from "./gen.js";
import { mrcCommand } from "./mrc.js";
import { policiesCommand } from "./policies.js";
import { simCommand } from "./sim.js";
import { withTraceOptions } from "./trace_options.js";

export function registerTraceCommands(program: Command, setStatus: (status: number) => void): void {
  program
    .command("policies")
    .description("list the replacement policies with their parameters")
    .option("--json", "print them as JSON")
    .action((options: { json?: boolean }) => setStatus(policiesCommand(options)));
  withTraceOptions(
    program
      .command("sim")
      .description("simulate one replacement policy over a trace")
      .argument("[trace]", "trace file (any supported format, optionally gzip-compressed)")
      .requiredOption(
        "--policy <spec>",
        "policy, e.g. lru or clock:bits=2 (see `vmscope policies`)",
      )
      .requiredOption("--frames <n>", "number of page frames")
      .option("--json", "print one JSON object"),
  ).action(async (trace: string | undefined, flags) => setStatus(await simCommand(trace, flags)));
  withTraceOptions(
    program
      .command("compare")
      .description("misses of several policies at several sizes, in one pass over the trace")
      .argument("[trace]", "trace file (any supported format, optionally gzip-compressed)")
      .requiredOption("--policies <list>", "comma-separated policies, e.g. fifo,lru,clock,opt")
      .requiredOption("--frames <list>", "comma-separated frame counts, e.g. 3,4,5")
      .option("--json", "print a JSON array")
      .option("--csv", "print CSV")
      .option("--chart <file>", "also draw misses per size to FILE.svg or FILE.png"),
  ).action(async (trace: string | undefined, flags) =>
    setStatus(await compareCommand(trace, flags)),
  );
  withTraceOptions(
    program
      .command("mrc")
      .description("miss-ratio curve: exact for LRU in one pass, else one simulation per size")
      .argument("[trace]", "trace file (any supported format, optionally gzip-compressed)")
      .option("--policy <spec>", "replacement policy", "lru")
      .option(
        "--sizes <list>",
        "comma-separated frame counts (default: --points sizes up to the distinct pages)",
      )
      .option("--points <n>", "number of sizes when --sizes is not given", "20")
      .option("--shards <rate>", "LRU only: sample keys at this rate (SHARDS), e.g. 0.01")
      .option("--json", "print one JSON object")
      .option("--chart <file>", "also draw the curve to FILE.svg or FILE.png"),
  ).action(async (trace: string | undefined, flags) => setStatus(await mrcCommand(trace, flags)));
  program
    .command("gen")
    .description("write a synthetic trace of page numbers, one per line, deterministic for a seed")
    .requiredOption("--pattern <name>", "zipf, uniform, seq, loop or phases")
    .requiredOption("--pages <n>", "number of distinct pages")
    .requiredOption("--count <n>", "number of references")
    .option("--seed <n>", "random seed", "0")
    .option("--alpha <a>", "zipf exponent (zipf, phases)")
    .option("--stride <n>", "stride of a pass (seq)")
    .option("--phases <n>", "number of phases (phases)")
    .option("-o, --output <file>", "write to FILE instead of stdout")
    .action(async (flags) => setStatus(await genCommand(flags)));
}
