import { describe, expect, it } from "vitest";
import { DepartmentTree } from "./department-tree.ts";

const tree = new DepartmentTree([
  { id: 1, code: "city", name: "市", nameEn: null, parentId: null, path: "/1/" },
  { id: 2, code: "d1", name: "区1", nameEn: null, parentId: 1, path: "/1/2/" },
  { id: 3, code: "d2", name: "区2", nameEn: null, parentId: 1, path: "/1/3/" },
  { id: 4, code: "s1", name: "街道", nameEn: null, parentId: 2, path: "/1/2/4/" },
  { id: 12, code: "d12", name: "区12", nameEn: null, parentId: 1, path: "/1/12/" },
]);

describe("DepartmentTree", () => {
  it("a subtree holds the department and its descendants only", () => {
    expect(tree.subtreeIds(2).sort()).toEqual([2, 4]);
    expect(tree.subtreeIds(1).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 12]);
    expect(tree.subtreeIds(99)).toEqual([]);
  });
  it("contains() does not confuse id prefixes (1 vs 12)", () => {
    expect(tree.contains(1, 12)).toBe(true);
    expect(tree.contains(2, 4)).toBe(true);
    expect(tree.contains(4, 2)).toBe(false);
    expect(tree.contains(3, 4)).toBe(false);
    expect(tree.contains(2, null)).toBe(false);
  });
  it("isChild is one level only", () => {
    expect(tree.isChild(2, 4)).toBe(true);
    expect(tree.isChild(1, 4)).toBe(false);
  });
});
