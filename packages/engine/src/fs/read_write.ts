/**
 * The file system calls of a process: open, read, pread, write, fsync and close
 * (fs/open.c, fs/read_write.c, mm/filemap.c's filemap_read and generic_perform_write).
 *
 * Reads and writes go through the page cache. A read that misses waits for the disk, but it is
 * not a page fault: only the process's I/O counters and its time show it. With a user buffer,
 * the copy to or from it is a run of loads or stores by the process, and may fault there.
 */
import { PAGE_SIZE } from "../arch/x86/pgtable.js";
import type { Machine } from "../machine.js";
import { ACCESS_READ, ACCESS_WRITE } from "../probe.js";
import type { Process } from "../process.js";
import { OpenFile } from "./open_file.js";

export const ENOENT = 2;
export const EBADF = 9;
export const ENOMEM = 12;

/** Cycles for entering and leaving the kernel for a system call. */
const SYSCALL_CYCLES = 200;
/** Bytes copied per cycle between the page cache and a user buffer (rep movsb, warm caches). */
const COPY_BYTES_PER_CYCLE = 32;
const CACHE_LINE = 64;

/** open(2): the lowest free descriptor for file `name`, or -ENOENT. */
export function openFile(machine: Machine, process: Process, name: string): number {
  const file = machine.files.get(name);
  if (file === undefined) return -ENOENT;
  let fd = process.files.indexOf(null);
  if (fd < 0) fd = process.files.length;
  process.files[fd] = new OpenFile(file);
  // Descriptors 0-2 are stdin, stdout and stderr; files start at 3 as in a real process.
  return fd + 3;
}

function openFileOf(process: Process, fd: number): OpenFile | null {
  return process.files[fd - 3] ?? null;
}

export function closeFile(process: Process, fd: number): number {
  if (openFileOf(process, fd) === null) return -EBADF;
  process.files[fd - 3] = null;
  return 0;
}

/**
 * read(2) when `offset` is null (from the file position, which advances), pread(2) otherwise.
 * Returns the bytes read (short at end of file) or a negative errno.
 */
export function readFile(
  machine: Machine,
  process: Process,
  fd: number,
  offset: number | null,
  size: number,
  buffer: number | null,
): number {
  const open = openFileOf(process, fd);
  if (open === null) return -EBADF;
  const file = open.file;
  const start = offset ?? open.position;
  const end = Math.min(start + size, file.size);
  process.cycles += SYSCALL_CYCLES;
  if (end <= start) return 0;
  const first = Math.floor(start / PAGE_SIZE);
  const count = Math.ceil(end / PAGE_SIZE) - first;
  const cache = machine.pageCache;
  machine.enterKernel(process);
  const ok = cache.readRange(file, open.readahead, first, count, process.pid);
  const waitedNs = cache.waitedNs + machine.leaveKernel(process);
  const timing = machine.cpu.timing;
  process.cycles += Math.round(waitedNs * timing.cyclesPerNs);
  process.readBytes += cache.pagesRead * PAGE_SIZE;
  if (!ok) return -ENOMEM;
  const bytes = end - start;
  process.rchar += bytes;
  if (offset === null) open.position = end;
  copyUser(machine, process, buffer, bytes, ACCESS_WRITE);
  return bytes;
}

/**
 * write(2) from the file position: each page is found or added in the page cache (a partly
 * written page that exists on the disk is read first), stamped and marked dirty; the file grows
 * when the write passes its end. Returns the bytes written or a negative errno.
 */
export function writeFile(
  machine: Machine,
  process: Process,
  fd: number,
  size: number,
  buffer: number | null,
): number {
  const open = openFileOf(process, fd);
  if (open === null) return -EBADF;
  const file = open.file;
  const start = open.position;
  const end = start + size;
  process.cycles += SYSCALL_CYCLES;
  if (size <= 0) return 0;
  copyUser(machine, process, buffer, size, ACCESS_READ);
  if (!process.alive) return -EBADF;
  const cache = machine.pageCache;
  const phys = machine.phys;
  let waitedNs = 0;
  machine.enterKernel(process);
  let written = 0;
  for (let index = Math.floor(start / PAGE_SIZE); index * PAGE_SIZE < end; index++) {
    const pageStart = index * PAGE_SIZE;
    const whole = start <= pageStart && end >= pageStart + PAGE_SIZE;
    let pfn = cache.lookup(file, index);
    if (pfn < 0 && !whole && index < file.sizeInPages) {
      // write_begin must read the old contents of a page it only partly overwrites.
      if (cache.readRange(file, open.readahead, index, 1, process.pid)) {
        waitedNs += cache.waitedNs;
        process.readBytes += cache.pagesRead * PAGE_SIZE;
        pfn = cache.lookup(file, index);
      }
    }
    if (pfn < 0) pfn = cache.addPage(file, index, process.pid);
    if (pfn < 0) break;
    phys.stamp[pfn] = ++machine.cpu.writeSerial;
    cache.markDirty(pfn);
    cache.markAccessed(pfn, true);
    written = Math.min(end, pageStart + PAGE_SIZE) - start;
  }
  waitedNs += machine.leaveKernel(process);
  process.cycles += Math.round(waitedNs * machine.cpu.timing.cyclesPerNs);
  if (written <= 0) return -ENOMEM;
  open.position = start + written;
  if (open.position > file.size) file.size = open.position;
  process.wchar += written;
  return written;
}

/** fsync(2): write the file's dirty pages back and wait for them. */
export function syncFile(machine: Machine, process: Process, fd: number): number {
  const open = openFileOf(process, fd);
  if (open === null) return -EBADF;
  const file = open.file;
  const dirty = file.dirtyPages;
  const ns = machine.pageCache.writeback(file);
  process.cycles += SYSCALL_CYCLES + Math.round(ns * machine.cpu.timing.cyclesPerNs);
  process.writeBytes += dirty * PAGE_SIZE;
  return 0;
}

/**
 * copy_to_user / copy_from_user: one access per cache line of the user buffer, and the copy's
 * own time.
 */
function copyUser(
  machine: Machine,
  process: Process,
  buffer: number | null,
  bytes: number,
  kind: number,
): void {
  process.cycles += Math.ceil(bytes / COPY_BYTES_PER_CYCLE);
  if (buffer === null) return;
  const end = buffer + bytes;
  let cursor = buffer;
  while (cursor < end && process.alive) {
    const lineEnd = Math.floor(cursor / CACHE_LINE) * CACHE_LINE + CACHE_LINE;
    const chunk = Math.min(end, lineEnd) - cursor;
    machine.access(process, cursor, chunk, kind);
    cursor += chunk;
  }
}
