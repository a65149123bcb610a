/**
 * The page-table designs by name: `machine pagetable=NAME` builds one with createPageTableDesign.
 */
import type { PageTableDesign } from "./design.js";
import { InvertedDesign } from "./inverted.js";
import { La57Design } from "./la57.js";
import { LinearDesign } from "./linear.js";
import { RadixDesign } from "./radix.js";
import { parsePageTableSpec } from "./spec.js";
import type { DesignContext } from "./table_frames.js";

/**
 * The design `name` names, built for a machine; null for x86-64, whose tables are the kernel's
 * own (the CPU then walks them as it always has). Throws PageTableSpecError on a bad name.
 */
export function createPageTableDesign(
  name: string,
  context: DesignContext,
): PageTableDesign | null {
  const spec = parsePageTableSpec(name);
  switch (spec.kind) {
    case "x86-64":
      return null;
    case "la57":
      return new La57Design(spec, context);
    case "linear":
      return new LinearDesign(spec);
    case "multilevel":
      return new RadixDesign(spec, context);
    case "inverted":
      return new InvertedDesign(spec, context);
  }
}

/** The designs `vmscope pagetables` compares when not told which. */
export const COMPARED_DESIGNS = [
  "x86-64",
  "la57",
  "linear",
  "multilevel:9,9,9,9",
  "multilevel:12,12,11",
  "multilevel:10,10",
  "inverted",
] as const;
