/**
 * What the clones of OSTEP's address-translation scripts share: Python's `str()` of an int and
 * its `%d`/`%x` conversions, `exit(status)`, and a runner that turns a run into the stdout,
 * stderr (the last line of Python's traceback) and exit status the script would give.
 */
import { PythonError } from "./paging_policy.js";

/** What running a script printed, and its exit status. */
export interface ScriptOutput {
  stdout: string;
  /** Empty, or the last line of the traceback Python would print. */
  stderr: string;
  /** 0, the status given to `exit()`, or 1 after an uncaught exception. */
  status: number;
}

/** `exit(status)` or `sys.exit(status)` in a script. */
export class ScriptExit extends Error {
  constructor(readonly status: number) {
    super(`exit(${status})`);
  }
}

/** Collects what a script prints: `print(...)` is `line(...)`, `print(..., end='')` is `write`. */
export class ScriptPrinter {
  private readonly chunks: string[] = [];

  write(text: string): void {
    this.chunks.push(text);
  }

  line(text = ""): void {
    this.chunks.push(text, "\n");
  }

  text(): string {
    return this.chunks.join("");
  }
}

/**
 * Runs `body` like the Python interpreter runs a script: what it printed stays printed when it
 * stops, `exit(n)` gives status n, and a PythonError gives status 1 with the traceback's last line.
 */
export function runScript(body: (out: ScriptPrinter) => void): ScriptOutput {
  const out = new ScriptPrinter();
  try {
    body(out);
    return { stdout: out.text(), stderr: "", status: 0 };
  } catch (error) {
    if (error instanceof ScriptExit) {
      return { stdout: out.text(), stderr: "", status: error.status };
    }
    if (error instanceof PythonError) {
      const line =
        error.message === "" ? error.pythonType : `${error.pythonType}: ${error.message}`;
      return { stdout: out.text(), stderr: `${line}\n`, status: 1 };
    }
    throw error;
  }
}

/** Python 3.11's default `sys.get_int_max_str_digits()`. */
const INT_MAX_STR_DIGITS = 4300;
/** log10(2), to bound the number of decimal digits of a number of a given bit length. */
const LOG10_2 = 0.3010299956639812;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : (n < 0n ? -n : n).toString(16).length * 4;
}

/**
 * The decimal digits of |n|, refusing (like Python) to write more than 4300 of them: a ValueError
 * when the script prints such an int.
 */
function decimalDigits(n: bigint): string {
  const magnitude = n < 0n ? -n : n;
  // A number of b bits has more than (b - 4) * log10(2) digits; skip the costly conversion.
  const digits =
    (bitLength(magnitude) - 4) * LOG10_2 > INT_MAX_STR_DIGITS + 1 ? "" : magnitude.toString();
  if (digits === "" || digits.length > INT_MAX_STR_DIGITS) {
    throw new PythonError(
      "ValueError",
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  return digits;
}

/** Python's `str(n)` for an int. */
export function pyStr(n: bigint): string {
  const digits = decimalDigits(n);
  return n < 0n ? `-${digits}` : digits;
}

/**
 * Python's `'%[0][width]d'` and `'%[0][width]x'` for an int: the sign, then the digits, padded
 * to `width` with spaces on the left, or with zeros between the sign and the digits.
 */
export function pyFormatInt(
  n: bigint | number,
  conversion: "d" | "x",
  width = 0,
  zeroPad = false,
): string {
  const value = BigInt(n);
  const magnitude = value < 0n ? -value : value;
  const sign = value < 0n ? "-" : "";
  const digits = conversion === "x" ? magnitude.toString(16) : decimalDigits(magnitude);
  if (zeroPad) {
    return sign + digits.padStart(width - sign.length, "0");
  }
  return (sign + digits).padStart(width, " ");
}
