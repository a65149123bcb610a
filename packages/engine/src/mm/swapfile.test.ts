import { describe, expect, it } from "vitest";
import { BlockDevice, diskModelNamed } from "../block/disk.js";
import { SwapDevice } from "./swapfile.js";

function device(pages: number): SwapDevice {
  return new SwapDevice(pages * 4096, new BlockDevice(diskModelNamed("nvme")));
}

describe("SwapDevice", () => {
  it("never hands out the header slot and hands out consecutive slots", () => {
    const swap = device(4);
    expect(swap.capacity).toBe(3);
    const slots = [swap.allocate(), swap.allocate(), swap.allocate()];
    for (const slot of slots) swap.addToCache(slot, 100 + slot);
    expect(slots).toEqual([1, 2, 3]);
    expect(swap.allocate()).toBe(-1);
    expect(swap.free).toBe(0);
  });

  it("frees a slot only when no entry and no cached page hold it", () => {
    const swap = device(8);
    const slot = swap.allocate();
    swap.addToCache(slot, 42);
    swap.duplicate(slot); // two swap entries name it
    swap.duplicate(slot);
    swap.removeFromCache(slot);
    expect(swap.used).toBe(1);
    expect(swap.release(slot)).toBe(false);
    expect(swap.used).toBe(1);
    expect(swap.release(slot)).toBe(false);
    expect(swap.used).toBe(0);
    expect(swap.isFree(slot)).toBe(true);
  });

  it("tells the caller when only the swap cache still holds a slot", () => {
    const swap = device(8);
    const slot = swap.allocate();
    swap.addToCache(slot, 42);
    swap.duplicate(slot);
    expect(swap.release(slot)).toBe(true);
    expect(swap.used).toBe(1);
    swap.removeFromCache(slot);
    expect(swap.used).toBe(0);
  });
});
