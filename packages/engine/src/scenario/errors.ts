import type { Position } from "./ast.js";

/**
 * A problem in a scenario, found by the parser (syntax) or the runner (unknown process, unknown name, ...).
 * The message reads `FILE:LINE:COL: MESSAGE` on one line, the format editors and terminals link to.
 */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The message without the `FILE:LINE:COL: ` prefix. */
  readonly reason: string;

  constructor(file: string, pos: Position, message: string) {
    // Keep the message on one line so tools that parse `FILE:LINE:COL:` see all of it.
    const reason = message.replace(/\s*[\r\n]+\s*/g, " ");
    super(`${file}:${pos.line}:${pos.col}: ${reason}`);
    this.file = file;
    this.line = pos.line;
    this.col = pos.col;
    this.reason = reason;
  }
}
