/**
 * The parser of `.vms` scenarios: one statement per line, `repeat` bodies marked by indentation.
 * Each line is lexed on its own into tokens that know their column, then parsed by recursive descent;
 * the first problem throws a ScenarioError pointing at the offending token.
 */

import type {
  AddressExpr,
  CompareOp,
  CounterRef,
  MadviseAdvice,
  Operation,
  Position,
  Protection,
  Scenario,
  ShowWhat,
  Statement,
} from "./ast.js";
import { ScenarioError } from "./errors.js";
import { parseNumber, parseSize } from "./units.js";

export function parseScenario(source: string, file: string): Scenario {
  const statements = new BlockParser(file, splitLines(source)).parseFile();
  return { file, statements };
}

// ---------------------------------------------------------------------------------------------
// Lines

/** A line holding a statement; blank and comment-only lines never get this far. */
interface SourceLine {
  number: number;
  text: string;
  /** Leading spaces and tabs, compared as strings so a tab/space mix is reported, not guessed at. */
  indent: string;
}

function splitLines(source: string): SourceLine[] {
  const lines: SourceLine[] = [];
  const texts = source.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  texts.forEach((text, index) => {
    const indent = /^[ \t]*/.exec(text)?.[0] ?? "";
    const rest = text.slice(indent.length);
    if (rest !== "" && !rest.startsWith("#")) {
      lines.push({ number: index + 1, text, indent });
    }
  });
  return lines;
}

function position(line: SourceLine, index: number): Position {
  return { line: line.number, col: index + 1 };
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenKind = "word" | "string" | "symbol";

interface Token {
  kind: TokenKind;
  /** The source text; for a string, its contents with escapes resolved. */
  text: string;
  pos: Position;
  /** 0-based index of the first character in the line, and one past the last. */
  start: number;
  end: number;
}

const TWO_CHAR_SYMBOLS = ["==", "!=", "<=", ">="];
const WORD_CHAR = /^[A-Za-z0-9_]$/;
const DIGIT = /^[0-9]$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function lexLine(file: string, line: SourceLine): Token[] {
  const tokens: Token[] = [];
  let index = line.indent.length;
  while (index < line.text.length) {
    const char = line.text.charAt(index);
    if (char === "#") {
      break;
    }
    if (char === " " || char === "\t") {
      index++;
      continue;
    }
    const token = lexToken(file, line, index);
    tokens.push(token);
    index = token.end;
  }
  return tokens;
}

function lexToken(file: string, line: SourceLine, start: number): Token {
  const char = line.text.charAt(start);
  if (char === '"') {
    return lexString(file, line, start);
  }
  return WORD_CHAR.test(char) ? lexWord(line, start) : lexSymbol(line, start);
}

function lexWord(line: SourceLine, start: number): Token {
  const text = line.text;
  const numeric = DIGIT.test(text.charAt(start));
  let end = start;
  // A word starting with a digit may hold a '.', so that `1.5M` stays one size token.
  while (
    WORD_CHAR.test(text.charAt(end)) ||
    (numeric && text.charAt(end) === "." && WORD_CHAR.test(text.charAt(end + 1)))
  ) {
    end++;
  }
  return makeToken("word", text.slice(start, end), line, start, end);
}

function lexSymbol(line: SourceLine, start: number): Token {
  const pair = line.text.slice(start, start + 2);
  // Take a whole code point so a stray emoji is reported as itself, not as half a surrogate pair.
  const single = String.fromCodePoint(line.text.codePointAt(start) ?? 0);
  const text = TWO_CHAR_SYMBOLS.includes(pair) ? pair : single;
  return makeToken("symbol", text, line, start, start + text.length);
}

function lexString(file: string, line: SourceLine, start: number): Token {
  const text = line.text;
  let value = "";
  let index = start + 1;
  while (index < text.length) {
    const char = text.charAt(index);
    if (char === '"') {
      return makeToken("string", value, line, start, index + 1);
    }
    if (char === "\\" && index + 1 < text.length) {
      value += escapedChar(file, line, index);
      index += 2;
    } else {
      value += char;
      index++;
    }
  }
  throw new ScenarioError(file, position(line, start), 'unterminated string; expected a closing "');
}

function escapedChar(file: string, line: SourceLine, backslash: number): string {
  const next = line.text.charAt(backslash + 1);
  if (next === '"' || next === "\\") {
    return next;
  }
  throw new ScenarioError(
    file,
    position(line, backslash),
    `unknown escape "\\${next}" in string; only \\" and \\\\ are allowed`,
  );
}

function makeToken(
  kind: TokenKind,
  text: string,
  line: SourceLine,
  start: number,
  end: number,
): Token {
  return { kind, text, pos: position(line, start), start, end };
}

// ---------------------------------------------------------------------------------------------
// Cursor over the tokens of one line

class Cursor {
  private index = 0;
  private readonly tokens: readonly Token[];

  constructor(
    readonly file: string,
    readonly line: SourceLine,
  ) {
    this.tokens = lexLine(file, line);
  }

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.index + ahead];
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  advance(): Token {
    const token = this.peek();
    if (token === undefined) {
      return this.failExpected("more on this line");
    }
    this.index++;
    return token;
  }

  isWord(ahead = 0): boolean {
    return this.peek(ahead)?.kind === "word";
  }

  isIdentifier(ahead = 0): boolean {
    const token = this.peek(ahead);
    return token?.kind === "word" && IDENTIFIER.test(token.text);
  }

  isSymbol(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token?.kind === "symbol" && token.text === text;
  }

  /** Whether the token `ahead` starts exactly where the one before it ends, with no space between. */
  isAdjacent(ahead = 0): boolean {
    const before = this.peek(ahead - 1);
    const token = this.peek(ahead);
    return before !== undefined && token !== undefined && before.end === token.start;
  }

  expectSymbol(text: string, expected: string): Token {
    if (!this.isSymbol(text)) {
      this.failExpected(expected);
    }
    return this.advance();
  }

  expectEnd(hint = ""): void {
    if (!this.atEnd()) {
      this.failExpected("end of line", hint);
    }
  }

  /** The source text from the start of `first` to the end of `last`, spaces and quotes included. */
  sourceText(first: Token, last: Token): string {
    return this.line.text.slice(first.start, last.end);
  }

  fail(pos: Position, message: string): never {
    throw new ScenarioError(this.file, pos, message);
  }

  /** Fails at the current token with `expected EXPECTED, found TOKEN`, then `hint` if given. */
  failExpected(expected: string, hint = ""): never {
    const pos = this.peek()?.pos ?? this.endPosition();
    return this.fail(pos, `expected ${expected}, found ${this.describeCurrent()}${hint}`);
  }

  private describeCurrent(): string {
    const token = this.peek();
    if (token === undefined) {
      return "end of line";
    }
    if (token.kind === "string") {
      return "a quoted string";
    }
    // Show `-4K` rather than just `-` when a sign is glued to a word.
    const signed = (token.text === "-" || token.text === "+") && this.isAdjacent(1);
    const next = this.peek(1);
    return `"${signed && next !== undefined ? this.sourceText(token, next) : token.text}"`;
  }

  /** Where a missing token would have been: just after the last one. */
  private endPosition(): Position {
    const last = this.tokens.at(-1);
    return position(this.line, last === undefined ? this.line.indent.length : last.end);
  }
}

function expectIdentifier(c: Cursor, expected: string): Token {
  if (!c.isIdentifier()) {
    c.failExpected(expected);
  }
  return c.advance();
}

function expectString(c: Cursor, expected: string): string {
  if (c.peek()?.kind !== "string") {
    c.failExpected(expected);
  }
  return c.advance().text;
}

// ---------------------------------------------------------------------------------------------
// Blocks: which lines belong to which repeat

/** Parses the body of the repeat statement at `pos`, from the lines after it. */
type BodyParser = (pos: Position) => Statement[];

type IndentRelation = "same" | "deeper" | "shallower";

class BlockParser {
  private next = 0;

  constructor(
    private readonly file: string,
    private readonly lines: readonly SourceLine[],
  ) {}

  parseFile(): Statement[] {
    return this.parseBlock("");
  }

  /** Parses consecutive lines indented exactly `indent`, up to the first line indented less. */
  private parseBlock(indent: string): Statement[] {
    const statements: Statement[] = [];
    for (;;) {
      const line = this.lines[this.next];
      if (line === undefined) {
        return statements;
      }
      const relation = this.compareIndent(line, indent);
      if (relation === "shallower") {
        return statements;
      }
      if (relation === "deeper") {
        this.failIndentation(line, statements.at(-1));
      }
      this.next++;
      statements.push(this.parseLine(line));
    }
  }

  private parseLine(line: SourceLine): Statement {
    return parseStatement(new Cursor(this.file, line), (pos) => this.parseRepeatBody(line, pos));
  }

  private parseRepeatBody(repeatLine: SourceLine, pos: Position): Statement[] {
    const first = this.lines[this.next];
    if (first === undefined || this.compareIndent(first, repeatLine.indent) !== "deeper") {
      throw new ScenarioError(
        this.file,
        pos,
        "repeat has an empty body; indent the statements to repeat on the lines below it",
      );
    }
    return this.parseBlock(first.indent);
  }

  private compareIndent(line: SourceLine, indent: string): IndentRelation {
    if (line.indent === indent) {
      return "same";
    }
    if (line.indent.startsWith(indent)) {
      return "deeper";
    }
    if (indent.startsWith(line.indent)) {
      return "shallower";
    }
    return this.failAt(line, "inconsistent use of tabs and spaces in indentation");
  }

  private failIndentation(line: SourceLine, previous: Statement | undefined): never {
    return this.failAt(
      line,
      previous?.kind === "repeat"
        ? "indentation lines up with neither the repeat body above nor the repeat itself"
        : "unexpected indentation; only the body of a repeat is indented",
    );
  }

  private failAt(line: SourceLine, message: string): never {
    throw new ScenarioError(this.file, position(line, line.indent.length), message);
  }
}

// ---------------------------------------------------------------------------------------------
// Statements

const STATEMENT_KEYWORDS = ["machine", "spawn", "file", "repeat", "report", "expect", "show"];

function parseStatement(c: Cursor, parseBody: BodyParser): Statement {
  if (startsProcessLine(c)) {
    return parseProcessStatement(c);
  }
  switch (c.isWord() ? c.peek()?.text : undefined) {
    case "machine":
      return parseMachine(c);
    case "spawn":
      return parseSpawn(c);
    case "file":
      return parseFileStatement(c);
    case "repeat":
      return parseRepeat(c, parseBody);
    case "report":
      return parseReport(c);
    case "expect":
      return parseExpect(c);
    case "show":
      return parseShow(c);
    default:
      return failUnknownStatement(c);
  }
}

/** `app: OPERATION` or `child = app: OPERATION`; the colon must touch the name, unlike `repeat 3:`. */
function startsProcessLine(c: Cursor): boolean {
  const processAt = (ahead: number) =>
    c.isIdentifier(ahead) && c.isSymbol(":", ahead + 1) && c.isAdjacent(ahead + 1);
  return processAt(0) || (c.isIdentifier() && c.isSymbol("=", 1) && processAt(2));
}

function failUnknownStatement(c: Cursor): never {
  const first = c.peek();
  const second = c.peek(1);
  if (first?.kind !== "word") {
    return c.failExpected(`a statement (${STATEMENT_KEYWORDS.join(", ")}, or PROCESS: OPERATION)`);
  }
  if (c.isIdentifier() && second !== undefined && c.isSymbol(":", 1)) {
    c.fail(second.pos, `unexpected space before ":"; write "${first.text}:"`);
  }
  if (OPERATIONS.has(first.text)) {
    c.fail(first.pos, `operation "${first.text}" needs a process, as in "app: ${first.text} ..."`);
  }
  if (c.isIdentifier() && second?.kind === "word" && OPERATIONS.has(second.text)) {
    c.fail(position(c.line, first.end), `expected ":" after process name "${first.text}"`);
  }
  const guess = suggest(first.text, STATEMENT_KEYWORDS);
  const advice =
    guess === null
      ? `expected one of ${STATEMENT_KEYWORDS.join(", ")}, or PROCESS: OPERATION`
      : `did you mean "${guess}"?`;
  return c.fail(first.pos, `unknown statement "${first.text}"; ${advice}`);
}

function parseMachine(c: Cursor): Statement {
  const pos = c.advance().pos;
  const options: { key: string; value: string; pos: Position }[] = [];
  while (!c.atEnd()) {
    options.push(parseMachineOption(c));
  }
  return { kind: "machine", options, pos };
}

/** `key=value`, where the value is any run of non-space characters (the runner validates it). */
function parseMachineOption(c: Cursor): { key: string; value: string; pos: Position } {
  const key = expectIdentifier(c, "a machine option like ram=256M");
  if (!c.isSymbol("=") || !c.isAdjacent()) {
    c.failExpected(`"=" right after "${key.text}" (machine options are written key=value)`);
  }
  c.advance();
  if (c.atEnd() || !c.isAdjacent()) {
    c.failExpected(`a value right after "${key.text}="`);
  }
  const first = c.advance();
  let last = first;
  while (!c.atEnd() && c.isAdjacent()) {
    last = c.advance();
  }
  return { key: key.text, value: c.sourceText(first, last), pos: key.pos };
}

function parseSpawn(c: Cursor): Statement {
  const pos = c.advance().pos;
  const name = expectIdentifier(c, "a process name");
  c.expectEnd();
  return { kind: "spawn", name: name.text, pos };
}

const FILE_OPTION_NAMES = ["size", "cached"];

/** `file NAME size=SIZE [cached]`. */
function parseFileStatement(c: Cursor): Statement {
  const pos = c.advance().pos;
  const name = expectFileName(c);
  let size: number | null = null;
  let cached = false;
  const seen = new Map<string, Token>();
  while (!c.atEnd()) {
    const token = c.peek();
    if (token?.kind !== "word") {
      return c.failExpected("a file option (size=SIZE, cached)");
    }
    switch (token.text) {
      case "size":
        claimOption(c, seen, "file", "size", token);
        c.expectSymbol("=", '"=" after size, as in size=1M');
        size = expectSize(c);
        break;
      case "cached":
        claimOption(c, seen, "file", "cached", token);
        cached = true;
        break;
      default:
        failUnknownChoice(c, token, "file option", FILE_OPTION_NAMES);
    }
  }
  if (size === null) {
    return c.fail(pos, `file needs a size, like "file ${name} size=1M"`);
  }
  return { kind: "file", name, size, cached, pos };
}

function parseRepeat(c: Cursor, parseBody: BodyParser): Statement {
  const pos = c.advance().pos;
  const count = expectCount(c);
  c.expectSymbol(":", `":" after the repeat count`);
  c.expectEnd("; the statements to repeat go on the following lines, indented");
  return { kind: "repeat", count, body: parseBody(pos), pos };
}

function expectCount(c: Cursor): number {
  const token = c.peek();
  const count = token?.kind === "word" ? parseNumber(token.text) : null;
  if (count === null || count < 0) {
    return c.failExpected("a repeat count like 10");
  }
  c.advance();
  return count;
}

function parseReport(c: Cursor): Statement {
  const pos = c.advance().pos;
  const label = expectString(c, 'a label in double quotes, like "after malloc"');
  c.expectEnd();
  return { kind: "report", label, pos };
}

const COMPARE_OPS: readonly CompareOp[] = ["==", "!=", "<", "<=", ">", ">="];

function parseExpect(c: Cursor): Statement {
  const pos = c.advance().pos;
  const counter = parseCounterRef(c);
  const compare = expectCompareOp(c);
  const value = expectSignedNumber(c);
  const since = parseSince(c);
  c.expectEnd();
  return { kind: "expect", counter, compare, value, since, pos };
}

function parseCounterRef(c: Cursor): CounterRef {
  const scope = expectIdentifier(c, "a counter like app.minflt or vmstat.pgfault");
  c.expectSymbol(".", `"." and a counter name after "${scope.text}", like ${scope.text}.minflt`);
  const counter = expectIdentifier(c, "a counter name");
  return { scope: scope.text, counter: counter.text, pos: scope.pos };
}

function expectCompareOp(c: Cursor): CompareOp {
  const token = c.peek();
  if (token?.kind !== "symbol" || !isOneOf(token.text, COMPARE_OPS)) {
    return c.failExpected(`a comparison (${COMPARE_OPS.join(", ")})`);
  }
  c.advance();
  return token.text;
}

function parseSince(c: Cursor): string | null {
  if (c.atEnd()) {
    return null;
  }
  if (!c.isWord() || c.peek()?.text !== "since") {
    c.failExpected('"since" or end of line');
  }
  c.advance();
  return expectString(c, 'a label in double quotes after "since"');
}

const SHOW_VIEWS: readonly ShowWhat[] = [
  "maps",
  "smaps",
  "status",
  "pagetable",
  "pagemap",
  "tlb",
  "vmstat",
  "meminfo",
  "lru",
  "swaps",
  "buddyinfo",
  "caches",
  "walk",
];
const PER_PROCESS_VIEWS: ReadonlySet<ShowWhat> = new Set([
  "maps",
  "smaps",
  "status",
  "pagetable",
  "pagemap",
  "walk",
]);

function parseShow(c: Cursor): Statement {
  const pos = c.advance().pos;
  const what = expectChoice(c, SHOW_VIEWS, "view");
  const process = PER_PROCESS_VIEWS.has(what) ? expectIdentifier(c, "a process name").text : null;
  const address =
    what === "pagetable" || what === "pagemap" || what === "walk" ? parseAddress(c) : null;
  const size = what === "pagemap" ? expectSize(c) : null;
  c.expectEnd();
  return { kind: "show", what, process, address, size, pos };
}

// ---------------------------------------------------------------------------------------------
// Process operations

function parseProcessStatement(c: Cursor): Statement {
  // `child = app: fork` names the result before the process; `app: child = fork` after it.
  const leadingResult = c.isSymbol("=", 1) ? takeResultName(c) : null;
  const process = c.advance();
  c.advance(); // the ':' glued to the process name
  const operation = parseOperation(c, process.text, leadingResult);
  return { kind: "process", process: process.text, operation, pos: (leadingResult ?? process).pos };
}

/** Consumes `NAME =` and returns the name token. */
function takeResultName(c: Cursor): Token {
  const name = c.advance();
  c.advance();
  return name;
}

/** How an operation treats a result name (`buf = ...`), and how to parse its operands. */
type OperationSpec =
  | { result: "required"; example: string; parse: (c: Cursor, result: string) => Operation }
  | { result: "optional"; parse: (c: Cursor, result: string | null) => Operation }
  | { result: "none"; parse: (c: Cursor) => Operation };

function parseOperation(c: Cursor, process: string, leadingResult: Token | null): Operation {
  let result = leadingResult;
  if (c.isIdentifier() && c.isSymbol("=", 1)) {
    if (result !== null) {
      c.fail(c.advance().pos, `the result is already named "${result.text}"`);
    }
    result = takeResultName(c);
  }
  const name = c.peek();
  if (name?.kind !== "word") {
    return c.failExpected(`an operation (${OPERATION_NAMES.join(", ")})`);
  }
  const spec =
    OPERATIONS.get(name.text) ?? failUnknownChoice(c, name, "operation", OPERATION_NAMES);
  c.advance();
  const operation = parseOperands(c, spec, name, process, result);
  c.expectEnd();
  return operation;
}

function parseOperands(
  c: Cursor,
  spec: OperationSpec,
  name: Token,
  process: string,
  result: Token | null,
): Operation {
  switch (spec.result) {
    case "required":
      if (result === null) {
        return c.fail(
          name.pos,
          `${name.text} needs a name for its result, like "${process}: ${spec.example}"`,
        );
      }
      return spec.parse(c, result.text);
    case "optional":
      return spec.parse(c, result?.text ?? null);
    case "none":
      if (result !== null) {
        return c.fail(result.pos, `${name.text} returns nothing; remove "${result.text} ="`);
      }
      return spec.parse(c);
  }
}

const OPERATIONS: ReadonlyMap<string, OperationSpec> = new Map<string, OperationSpec>([
  [
    "malloc",
    {
      result: "required",
      example: "buf = malloc 1M",
      parse: (c, target) => ({ op: "malloc", target, size: expectSize(c) }),
    },
  ],
  [
    "calloc",
    {
      result: "required",
      example: "buf = calloc 4K",
      parse: (c, target) => ({ op: "calloc", target, size: expectSize(c) }),
    },
  ],
  ["free", { result: "none", parse: (c) => ({ op: "free", pointer: parseAddress(c) }) }],
  ["mmap", { result: "required", example: "m = mmap 64K", parse: parseMmap }],
  ["munmap", { result: "none", parse: parseMunmap }],
  [
    "mprotect",
    {
      result: "none",
      parse: (c) => ({
        op: "mprotect",
        address: parseAddress(c),
        size: expectSize(c),
        prot: expectProtection(c),
      }),
    },
  ],
  [
    "madvise",
    {
      result: "none",
      parse: (c) => ({
        op: "madvise",
        address: parseAddress(c),
        size: expectSize(c),
        advice: expectChoice(c, ADVICES, "madvise advice"),
      }),
    },
  ],
  [
    "sbrk",
    {
      result: "optional",
      parse: (c, target) => ({ op: "sbrk", target, increment: expectSignedSize(c) }),
    },
  ],
  ["read", { result: "none", parse: accessParser("read", 8) }],
  ["write", { result: "none", parse: accessParser("write", 8) }],
  ["exec", { result: "none", parse: accessParser("exec", 4) }],
  [
    "memset",
    {
      result: "none",
      parse: (c) => ({
        op: "memset",
        address: parseAddress(c),
        value: expectByte(c),
        size: expectSize(c),
      }),
    },
  ],
  [
    "touch",
    {
      result: "none",
      parse: (c) => ({
        op: "touch",
        address: parseAddress(c),
        size: expectSize(c),
        mode: c.atEnd() ? "write" : expectChoice(c, ACCESS_MODES, "access mode"),
      }),
    },
  ],
  [
    "open",
    {
      result: "required",
      example: "f = open data.bin",
      parse: (c, target) => ({ op: "open", target, file: expectFileName(c) }),
    },
  ],
  [
    "fread",
    {
      result: "none",
      parse: (c) => ({
        op: "fread",
        fd: expectFileDescriptor(c),
        size: expectSize(c),
        buffer: parseBuffer(c),
      }),
    },
  ],
  [
    "pread",
    {
      result: "none",
      parse: (c) => ({
        op: "pread",
        fd: expectFileDescriptor(c),
        offset: expectSize(c, FILE_OFFSET_EXPECTED),
        size: expectSize(c),
        buffer: parseBuffer(c),
      }),
    },
  ],
  [
    "fwrite",
    {
      result: "none",
      parse: (c) => ({
        op: "fwrite",
        fd: expectFileDescriptor(c),
        size: expectSize(c),
        buffer: parseBuffer(c),
      }),
    },
  ],
  ["fsync", { result: "none", parse: (c) => ({ op: "fsync", fd: expectFileDescriptor(c) }) }],
  ["close", { result: "none", parse: (c) => ({ op: "close", fd: expectFileDescriptor(c) }) }],
  [
    "fork",
    {
      result: "required",
      example: "child = fork",
      parse: (_c, target) => ({ op: "fork", target }),
    },
  ],
  [
    "oom_score_adj",
    { result: "none", parse: (c) => ({ op: "oom_score_adj", value: expectOomScoreAdj(c) }) },
  ],
  ["exit", { result: "none", parse: () => ({ op: "exit" }) }],
]);

const OPERATION_NAMES = [...OPERATIONS.keys()];

const ACCESS_MODES: readonly ("read" | "write")[] = ["read", "write"];

const ADVICES: readonly MadviseAdvice[] = [
  "dontneed",
  "random",
  "sequential",
  "willneed",
  "hugepage",
  "nohugepage",
];

/** `read`, `write` and `exec` take an address and an optional size. */
function accessParser(
  op: "read" | "write" | "exec",
  defaultSize: number,
): (c: Cursor) => Operation {
  return (c) => ({
    op,
    address: parseAddress(c),
    size: c.atEnd() ? defaultSize : expectSize(c),
  });
}

/** The name an earlier `f = open NAME` bound. */
function expectFileDescriptor(c: Cursor): string {
  return expectIdentifier(c, 'a file descriptor like f (from "f = open data.bin")').text;
}

/** The optional user buffer at the end of fread, pread and fwrite. */
function parseBuffer(c: Cursor): AddressExpr | null {
  return c.atEnd() ? null : parseAddress(c);
}

const OOM_SCORE_ADJ_MIN = -1000;
const OOM_SCORE_ADJ_MAX = 1000;

function expectOomScoreAdj(c: Cursor): number {
  const pos = c.peek()?.pos;
  const value = expectSignedNumber(c);
  if (pos !== undefined && (value < OOM_SCORE_ADJ_MIN || value > OOM_SCORE_ADJ_MAX)) {
    c.fail(pos, `oom_score_adj must be from ${OOM_SCORE_ADJ_MIN} to ${OOM_SCORE_ADJ_MAX}`);
  }
  return value;
}

function parseMunmap(c: Cursor): Operation {
  const address = parseAddress(c);
  if (!c.atEnd()) {
    return { op: "munmap", address, size: expectSize(c) };
  }
  // Without a size the runner unmaps the whole named mapping, which needs a plain name.
  if (address.kind !== "name" || address.offset !== 0) {
    c.failExpected(SIZE_EXPECTED, "; only a bare mapping name may be unmapped without a size");
  }
  return { op: "munmap", address, size: null };
}

// ---------------------------------------------------------------------------------------------
// mmap options

interface MmapOptions {
  file: string | null;
  offset: number;
  shared: boolean;
  prot: Protection;
  populate: boolean;
  /** The token that set each group of options, to report repeats and contradictions. */
  seen: Map<string, Token>;
}

const MMAP_OPTION_NAMES = ["anon", "file", "offset", "private", "shared", "prot", "populate"];

function parseMmap(c: Cursor, target: string): Operation {
  const size = expectSize(c);
  const options: MmapOptions = {
    file: null,
    offset: 0,
    shared: false,
    prot: "rw",
    populate: false,
    seen: new Map(),
  };
  while (!c.atEnd()) {
    parseMmapOption(c, options);
  }
  const offsetToken = options.seen.get("offset");
  if (offsetToken !== undefined && options.file === null) {
    c.fail(offsetToken.pos, "offset= needs file=NAME");
  }
  const { file, offset, shared, prot, populate } = options;
  return { op: "mmap", target, size, file, offset, shared, prot, populate };
}

function parseMmapOption(c: Cursor, options: MmapOptions): void {
  const token = c.peek();
  if (token?.kind !== "word") {
    c.failExpected(
      "an mmap option (anon, file=NAME, offset=N, private, shared, prot=PROT, populate)",
    );
  }
  const seen = options.seen;
  switch (token.text) {
    // A mapping is backed by anonymous memory or by a file, not both.
    case "anon":
      claimOption(c, seen, "mmap", "backing", token);
      break;
    case "file":
      claimOption(c, seen, "mmap", "backing", token);
      c.expectSymbol("=", '"=" after file, as in file=data.bin');
      options.file = expectFileName(c);
      break;
    case "offset":
      claimOption(c, seen, "mmap", "offset", token);
      c.expectSymbol("=", '"=" after offset, as in offset=64K');
      options.offset = expectPageOffset(c);
      break;
    case "private":
    case "shared":
      claimOption(c, seen, "mmap", "sharing", token);
      options.shared = token.text === "shared";
      break;
    case "populate":
      claimOption(c, seen, "mmap", "populate", token);
      options.populate = true;
      break;
    case "prot":
      claimOption(c, seen, "mmap", "prot", token);
      c.expectSymbol("=", '"=" after prot, as in prot=rw');
      options.prot = expectProtection(c);
      break;
    default:
      failUnknownChoice(c, token, "mmap option", MMAP_OPTION_NAMES);
  }
}

const PAGE_SIZE = 4096;

/** The file offset of a mapping, which must be page-aligned like mmap(2)'s. */
function expectPageOffset(c: Cursor): number {
  const pos = c.peek()?.pos;
  const offset = expectSize(c, FILE_OFFSET_EXPECTED);
  if (pos !== undefined && offset % PAGE_SIZE !== 0) {
    c.fail(pos, "offset must be a multiple of the 4 KiB page size");
  }
  return offset;
}

/**
 * Consumes an option token, rejecting a repeat or a contradiction of an earlier option in its group.
 * `seen` holds the token that set each group so far; `statement` names the options in messages.
 */
function claimOption(
  c: Cursor,
  seen: Map<string, Token>,
  statement: string,
  group: string,
  token: Token,
): void {
  const earlier = seen.get(group);
  if (earlier !== undefined) {
    c.fail(
      token.pos,
      earlier.text === token.text
        ? `${statement} option "${token.text}" given twice`
        : `${statement} option "${token.text}" contradicts "${earlier.text}"`,
    );
  }
  seen.set(group, token);
  c.advance();
}

// ---------------------------------------------------------------------------------------------
// Operands

const PROTECTIONS: readonly Protection[] = ["none", "r", "rw", "rx", "rwx", "w", "wx", "x"];

const SIZE_EXPECTED = "a size like 4K or 1M";

const FILE_OFFSET_EXPECTED = "a file offset like 0 or 64K";

function expectSize(c: Cursor, expected = SIZE_EXPECTED): number {
  const token = c.peek();
  const size = token?.kind === "word" ? parseSize(token.text) : null;
  if (size === null) {
    return c.failExpected(expected);
  }
  c.advance();
  return size;
}

/** A size with an optional sign glued to it (`-4K`), for sbrk. */
function expectSignedSize(c: Cursor): number {
  const sign = takeSign(c);
  const size = expectSize(c, "a size like 4K or -4K");
  return sign < 0 ? 0 - size : size;
}

function expectSignedNumber(c: Cursor): number {
  const sign = takeSign(c);
  const token = c.peek();
  const value = token?.kind === "word" ? parseNumber(token.text) : null;
  if (value === null) {
    return c.failExpected("a number");
  }
  c.advance();
  return sign < 0 ? 0 - value : value;
}

/** Consumes a `+` or `-` immediately followed by a word; returns -1 for minus, otherwise 1. */
function takeSign(c: Cursor): number {
  const isSign = (c.isSymbol("-") || c.isSymbol("+")) && c.isWord(1) && c.isAdjacent(1);
  return isSign && c.advance().text === "-" ? -1 : 1;
}

function expectByte(c: Cursor): number {
  const token = c.peek();
  const value = token?.kind === "word" ? parseNumber(token.text) : null;
  if (value === null || value < 0 || value > 255) {
    return c.failExpected("a byte value from 0 to 255");
  }
  c.advance();
  return value;
}

const FILE_NAME_EXPECTED = "a file name like data.bin or /var/log/app.log";

/** Symbols that may appear in a file name besides the word characters. */
const FILE_NAME_SYMBOLS = [".", "/", "-"];

/**
 * A file name: letters, digits, `_`, `.`, `-` and `/`. The lexer splits `/var/log/app.log` into
 * words and symbols, so the name is the longest run of such tokens with no space between them.
 */
function expectFileName(c: Cursor): string {
  const isPart = (ahead: number) =>
    c.isWord(ahead) || FILE_NAME_SYMBOLS.some((symbol) => c.isSymbol(symbol, ahead));
  let length = 0;
  while (isPart(length) && (length === 0 || c.isAdjacent(length))) {
    length++;
  }
  // `file size=1M` has no name: what follows it is an option.
  if (length === 0 || (c.isSymbol("=", length) && c.isAdjacent(length))) {
    return c.failExpected(FILE_NAME_EXPECTED);
  }
  const first = c.advance();
  let last = first;
  for (let taken = 1; taken < length; taken++) {
    last = c.advance();
  }
  return c.sourceText(first, last);
}

function expectProtection(c: Cursor): Protection {
  return expectChoice(c, PROTECTIONS, "protection");
}

const ADDRESS_EXPECTED = "an address like buf, buf+4K or 0x7fff0000";

/** `name`, `name+offset`, `name-offset` or an absolute number. */
function parseAddress(c: Cursor): AddressExpr {
  const token = c.peek();
  if (token?.kind !== "word") {
    return c.failExpected(ADDRESS_EXPECTED);
  }
  if (IDENTIFIER.test(token.text)) {
    c.advance();
    return { kind: "name", name: token.text, offset: parseOffset(c), pos: token.pos };
  }
  const value = parseSize(token.text);
  if (value === null) {
    return c.failExpected(ADDRESS_EXPECTED);
  }
  c.advance();
  return { kind: "absolute", value, pos: token.pos };
}

function parseOffset(c: Cursor): number {
  const sign = c.isSymbol("+") ? 1 : c.isSymbol("-") ? -1 : 0;
  if (sign === 0) {
    return 0;
  }
  c.advance();
  const size = expectSize(c, "an offset like 4K or 0x10");
  return sign < 0 ? 0 - size : size;
}

/** One word out of a fixed set; `noun` names the set in messages ("protection", "view", ...). */
function expectChoice<T extends string>(c: Cursor, choices: readonly T[], noun: string): T {
  const token = c.peek();
  if (token?.kind === "word" && isOneOf(token.text, choices)) {
    c.advance();
    return token.text;
  }
  if (token?.kind === "word" && suggest(token.text, choices) !== null) {
    failUnknownChoice(c, token, noun, choices);
  }
  return c.failExpected(`${withArticle(noun)} (${choices.join(", ")})`);
}

function isOneOf<T extends string>(text: string, choices: readonly T[]): text is T {
  return (choices as readonly string[]).includes(text);
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

// ---------------------------------------------------------------------------------------------
// Suggestions for misspelled words

function failUnknownChoice(
  c: Cursor,
  token: Token,
  noun: string,
  choices: readonly string[],
): never {
  const guess = suggest(token.text, choices);
  const advice =
    guess === null ? `expected one of ${choices.join(", ")}` : `did you mean "${guess}"?`;
  return c.fail(token.pos, `unknown ${noun} "${token.text}"; ${advice}`);
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
function suggest(word: string, candidates: readonly string[]): string | null {
  const lowered = word.toLowerCase();
  // Short words are within an edit or two of everything, so only a case slip counts there.
  const tolerance = lowered.length <= 2 ? 0 : lowered.length <= 4 ? 1 : 2;
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate);
    // Among equally distant candidates prefer the one of similar length (`rwz` -> `rwx`, not `rw`).
    const score = distance * 100 + Math.abs(candidate.length - lowered.length);
    if (distance <= tolerance && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Levenshtein distance that also counts swapping two adjacent letters as one edit, the commonest typo. */
function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const table = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => table[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        table[i * width + j] = i + j;
        continue;
      }
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      table[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}
