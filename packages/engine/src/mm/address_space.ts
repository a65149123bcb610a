/**
 * The page cache of one object (struct address_space): a file, or the shmem object behind a
 * shared anonymous mapping. Maps a page index to the PFN holding it.
 *
 * A Map is fine here: it is consulted on faults, never on the per-access path.
 */
export class AddressSpace {
  /** Page index -> PFN of the cached page. */
  readonly pages = new Map<number, number>();
  /** VMAs that map this object; a shmem object dies with its last mapping. */
  mappings = 0;

  constructor(
    /** Path shown in /proc/PID/maps (`/dev/zero (deleted)` for shared anonymous memory). */
    readonly name: string,
    /** Size in bytes. */
    readonly size: number,
    readonly isShmem: boolean,
    /** Device and inode numbers shown in /proc/PID/maps. */
    readonly device: string,
    readonly inode: number,
  ) {}

  get sizeInPages(): number {
    return Math.ceil(this.size / 4096);
  }
}
