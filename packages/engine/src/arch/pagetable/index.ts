/** Page-table designs (`machine pagetable=`) and their comparison. */
export {
  type DesignRun,
  designTableBytes,
  kernelTableBytes,
  runOnDesign,
  withPagetable,
} from "./compare.js";
export type { DesignCounters, DesignTableFrame, PageTableDesign } from "./design.js";
export { WalkReads } from "./design.js";
export {
  bucketCount,
  INVERTED_ENTRY_BYTES,
  InvertedDesign,
  invertedHash,
  invertedTableBytes,
  REFILL_CYCLES,
} from "./inverted.js";
export { La57Design } from "./la57.js";
export { LINEAR_TABLE_BYTES, LinearDesign, linearTableBytes } from "./linear.js";
export { RadixDesign, RadixGeometry, radixTableBytes } from "./radix.js";
export { COMPARED_DESIGNS, createPageTableDesign } from "./registry.js";
export {
  addressBits,
  DEFAULT_PAGETABLE,
  formatBytes as formatTableBytes,
  layoutProblem,
  MIN_USER_ADDRESS_BITS,
  PAGETABLE_DESIGNS,
  type PageTableSpec,
  PageTableSpecError,
  parsePageTableSpec,
  userAddressBits,
} from "./spec.js";
