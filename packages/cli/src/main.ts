/** Entry point of the `vmscope` command. Returns the process exit status. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`vmscope: ${argv.join(" ")}\n`);
  return 0;
}
