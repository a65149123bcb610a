/**
 * The page cache of one object (struct address_space): a file, or the shmem object behind a
 * shared anonymous mapping. Maps a page index to the PFN holding it.
 *
 * A Map is fine here: it is consulted on faults and system calls, never on the per-access path.
 */
export class AddressSpace {
  /** Page index -> PFN of the cached page. */
  readonly pages = new Map<number, number>();
  /**
   * What the disk holds for each page index that was ever written back (a page's stamp, see
   * PhysicalMemory.stamp); pages never written read back as 0.
   */
  readonly diskStamps = new Map<number, number>();
  /** VMAs that map this object; a shmem object dies with its last mapping. */
  mappings = 0;
  /** Cached pages with PG_dirty (the inode's dirty pages). */
  dirtyPages = 0;
  /** Simulated time (ns) the inode first became dirty since it was last clean (dirtied_when). */
  dirtiedAtNs = -1;

  constructor(
    /** Path shown in /proc/PID/maps (`/dev/zero (deleted)` for shared anonymous memory). */
    readonly name: string,
    /** Size in bytes (i_size); writes past the end grow it. */
    public size: number,
    readonly isShmem: boolean,
    /** Device and inode numbers shown in /proc/PID/maps. */
    readonly device: string,
    readonly inode: number,
  ) {}

  get sizeInPages(): number {
    return Math.ceil(this.size / 4096);
  }
}
