/**
 * The `vmscope` command. Results go to stdout, errors and progress to stderr.
 * Exit status: 0 success, 1 an `expect` failed, 2 bad input (never a stack trace).
 */
import { Command, CommanderError } from "commander";
import { registerExplain } from "./commands/explain.js";
import { listCommand } from "./commands/list.js";
import { registerOstep } from "./commands/ostep.js";
import { registerPagetables } from "./commands/pagetables.js";
import { registerRecord } from "./commands/record.js";
import { registerReplay } from "./commands/replay.js";
import { runCommand } from "./commands/run.js";
import { serveCommand } from "./commands/serve.js";
import { registerTraceCommands } from "./commands/trace_commands.js";
import { EXIT_INPUT_ERROR, InputError } from "./errors.js";

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("vmscope")
    .description("A faithful, fast simulator of Linux virtual memory on x86-64")
    .version("0.1.0", "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  let status = 0;
  program
    .command("run")
    .description("run a scenario: a .vms file, or a built-in scenario by name (see `vmscope list`)")
    .argument("<scenario>", "path to a .vms file, or the name of a built-in scenario")
    .option("--json", "print one JSON object with the reports, expects and signals")
    .option("--check", "check the engine's invariants after every statement (slow)")
    .option("--events <file>", "write every access's journey as JSON Lines to FILE (- for stdout)")
    .action(
      async (scenario: string, options: { json?: boolean; check?: boolean; events?: string }) => {
        status = await runCommand(scenario, options);
      },
    );
  program
    .command("list")
    .description("list the built-in scenarios")
    .option("--json", "print them as JSON")
    .action((options: { json?: boolean }) => {
      status = listCommand(options);
    });
  program
    .command("serve")
    .description("serve the web page on this machine (build it first with `npm run build`)")
    .option("--port <n>", "TCP port (0 picks a free one)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--dir <path>", "directory to serve (default: the built packages/web)")
    .action(async (options: { port?: string; host?: string; dir?: string }) => {
      status = await serveCommand(options);
    });
  registerOstep(program, (code) => {
    status = code;
  });
  registerTraceCommands(program, (result) => {
    status = result;
  });
  registerExplain(program, (result) => {
    status = result;
  });
  registerPagetables(program, (result) => {
    status = result;
  });
  registerReplay(program, (result) => {
    status = result;
  });
  registerRecord(program, (result) => {
    status = result;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its message.
      return error.exitCode === 0 ? 0 : EXIT_INPUT_ERROR;
    }
    if (error instanceof InputError) {
      process.stderr.write(`vmscope: ${error.message}\n`);
      return EXIT_INPUT_ERROR;
    }
    throw error;
  }
}
