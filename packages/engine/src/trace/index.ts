/** Trace readers: one streaming, push-based parser per format, behind one interface. */
export { CSV_SPEC_KEYS } from "./csv.js";
export * from "./reader.js";
export * from "./refs.js";
