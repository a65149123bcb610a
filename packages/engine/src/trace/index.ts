/** Trace readers: one streaming, push-based parser per format, behind one interface. */
export { CSV_SPEC_KEYS } from "./csv.js";
export {
  LACKEY_INSTRUCTION,
  LACKEY_LOAD,
  LACKEY_MODIFY,
  LACKEY_STORE,
  LackeyAccessParser,
  type LackeyAccessSink,
} from "./lackey.js";
export * from "./reader.js";
export * from "./refs.js";
