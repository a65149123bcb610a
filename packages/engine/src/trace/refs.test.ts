import { describe, expect, it } from "vitest";
import { parseRefList, RefListError } from "./refs.js";

describe("parseRefList", () => {
  it("reads numbers separated by commas and/or spaces", () => {
    expect(parseRefList("7,0,1,2,0,3")).toEqual([7, 0, 1, 2, 0, 3]);
    expect(parseRefList(" 7, 0 ,1  2\t0x1f ")).toEqual([7, 0, 1, 2, 31]);
    expect(parseRefList("9007199254740991")).toEqual([9007199254740991]);
  });

  it("names the position of junk", () => {
    expect(() => parseRefList("7,0,x1")).toThrow('expected a page number at position 5, found "x"');
    expect(() => parseRefList("7,,0")).toThrow('expected a page number at position 3, found ","');
    expect(() => parseRefList("7,0a")).toThrow('unexpected "a" at position 4');
    expect(() => parseRefList("7,-1")).toThrow("position 3");
    expect(() => parseRefList("7,")).toThrow("after the comma at the end");
    expect(() => parseRefList("  ")).toThrow("empty reference list");
    expect(() => parseRefList("9007199254740992")).toThrow("larger than 2^53-1");
    try {
      parseRefList("1 2 3 ?");
    } catch (error) {
      expect(error).toBeInstanceOf(RefListError);
      expect((error as RefListError).position).toBe(7);
    }
  });
});
