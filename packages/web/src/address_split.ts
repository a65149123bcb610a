/**
 * How the page walker cuts a virtual address, in the page-table design's terms: x86-64's four
 * 9-bit indices, la57's PML5 index above them, one index per multilevel level (its own bits),
 * the linear table's page number, or the inverted table's page number and hash bucket. Each
 * field names the walker box it feeds, so the field of the read shown can be lit. No DOM.
 */
import { bucketCount, invertedHash, parsePageTableSpec, RadixGeometry } from "@vmscope/engine";
import type { PartId } from "./diagram/model.js";
import type { WalkTerms } from "./explain.js";
import { hex, splitAddress } from "./recording.js";

export interface AddressField {
  label: string;
  value: string;
  /** The address bits it takes, high-low ("20-12"), or what it is made from. */
  bits: string;
  /** The walker box that reads the entry this field picks. */
  part: PartId;
}

const geometries = new Map<string, RadixGeometry>();

/** The radix tree's shape of a design, kept per design. */
function geometryOf(terms: WalkTerms): RadixGeometry {
  let geometry = geometries.get(terms.design);
  if (geometry === undefined) {
    geometry = new RadixGeometry(parsePageTableSpec(terms.design).bits);
    geometries.set(terms.design, geometry);
  }
  return geometry;
}

/**
 * The fields of `address` before its page offset, top first. `pid` and `ramFrames` give the
 * inverted table's bucket (the hash of the PID and the page number, over the machine's buckets).
 * @example addressFields(0x7fff_ffff_e123, null, 1000, 16384)[0] // { label: "PGD", value: "255", bits: "47-39", part: "walk-pgd" }
 */
export function addressFields(
  address: number,
  terms: WalkTerms | null,
  pid: number,
  ramFrames: number,
): AddressField[] {
  const page = Math.floor(address / 4096);
  const parts = splitAddress(address);
  const x86: AddressField[] = [
    { label: "PGD", value: String(parts.pgd), bits: "47-39", part: "walk-pgd" },
    { label: "PUD", value: String(parts.pud), bits: "38-30", part: "walk-pud" },
    { label: "PMD", value: String(parts.pmd), bits: "29-21", part: "walk-pmd" },
    { label: "PTE", value: String(parts.pte), bits: "20-12", part: "walk-pte" },
  ];
  if (terms === null) return x86;
  switch (terms.kind) {
    case "la57": {
      const pml5 = Math.floor(address / 2 ** 48) % 512;
      return [{ label: "PML5", value: String(pml5), bits: "56-48", part: "walk-pml5" }, ...x86];
    }
    case "multilevel": {
      const geometry = geometryOf(terms);
      const low = page >>> 0;
      const high = Math.floor(page / 2 ** 32);
      return terms.bitRanges.map((bits, level) => ({
        label: `L${level + 1}`,
        value: String(geometry.index(low, high, level)),
        bits,
        part: `walk-l${level + 1}` as PartId,
      }));
    }
    case "linear":
      return [{ label: "page", value: hex(page), bits: "46-12", part: "walk-entry" }];
    case "inverted": {
      const bucket = invertedHash(pid, page, bucketCount(ramFrames) - 1);
      return [
        { label: "page", value: hex(page), bits: "46-12", part: "walk-chain" },
        {
          label: "bucket",
          value: String(bucket),
          bits: `hash(pid ${pid}, page)`,
          part: "walk-anchor",
        },
      ];
    }
    default:
      return x86;
  }
}
