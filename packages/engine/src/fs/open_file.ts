/**
 * An open file description (struct file): which file, where the next read or write goes, and
 * the file's readahead state for this opener (f_ra).
 */
import type { AddressSpace } from "../mm/address_space.js";
import { newReadaheadState, type ReadaheadState } from "../mm/readahead.js";

export class OpenFile {
  /** f_pos: the offset read and write use and advance. */
  position = 0;
  readonly readahead: ReadaheadState = newReadaheadState();

  constructor(readonly file: AddressSpace) {}
}
