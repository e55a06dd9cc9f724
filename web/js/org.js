// @ts-check
/** Departments (a tree) and categories, loaded once per page, named in the current language. */
import { api } from "./api.js";
import { getLang } from "./i18n.js";

/**
 * @typedef {{ id: number, code: string, name: string, nameEn: string | null, parentId: number | null, path: string, handlesTickets?: boolean }} Department
 * @typedef {{ id: number, code: string, name: string, nameEn: string | null, defaultDepartmentId: number | null, active: boolean, answerDirectly?: boolean }} Category
 */

/** @type {Promise<Org> | undefined} */
let loading;

/** Forget the loaded departments and categories (an admin changed them): the next loadOrg() fetches them again. */
export function reloadOrg() {
  loading = undefined;
}

/** Load departments and categories (once). */
export function loadOrg() {
  loading ??= Promise.all([
    api("/api/v1/departments").then((r) => /** @type {{ items: Department[] }} */ (r).items),
    api("/api/v1/categories").then((r) => /** @type {{ items: Category[] }} */ (r).items),
  ]).then(([departments, categories]) => new Org(departments, categories));
  return loading;
}

export class Org {
  /**
   * @param {Department[]} departments
   * @param {Category[]} categories
   */
  constructor(departments, categories) {
    this.departments = departments;
    this.categories = categories.filter((c) => c.active !== false);
    this.byId = new Map(departments.map((d) => [d.id, d]));
    this.byCode = new Map(departments.map((d) => [d.code, d]));
    this.categoryByCode = new Map(categories.map((c) => [c.code, c]));
  }

  /** @param {number | null | undefined} id */
  deptName(id) {
    const d = id == null ? undefined : this.byId.get(id);
    if (!d) return id == null ? "" : `#${id}`;
    return getLang() === "en" && d.nameEn ? d.nameEn : d.name;
  }

  /** @param {string | null | undefined} code */
  categoryName(code) {
    const c = code ? this.categoryByCode.get(code) : undefined;
    if (!c) return code ?? "";
    return getLang() === "en" && c.nameEn ? c.nameEn : c.name;
  }

  /** @param {number} id */
  children(id) {
    return this.departments.filter((d) => d.parentId === id);
  }

  /** @param {Department} d */
  depth(d) {
    return d.path.split("/").filter(Boolean).length - 1;
  }

  /** The department and everything below it. @param {number} id */
  subtree(id) {
    const root = this.byId.get(id);
    return root ? this.departments.filter((d) => d.path.startsWith(root.path)) : [];
  }

  /**
   * Every department in tree order, indented by depth: options for a tree select.
   * @param {Department[]} [only] limit to these
   * @returns {Array<[number, string]>}
   */
  treeOptions(only) {
    const list = [...(only ?? this.departments)].sort((a, b) => comparePaths(a.path, b.path));
    const minDepth = Math.min(...list.map((d) => this.depth(d)));
    return list.map((d) => [d.id, `${"\u3000".repeat(this.depth(d) - minDepth)}${this.deptName(d.id)}`]);
  }

  /**
   * Districts (the dispatch catalogue's areas): the root's children that have children.
   * @returns {Department[]}
   */
  districts() {
    const roots = this.departments.filter((d) => d.parentId === null);
    return roots.flatMap((r) => this.children(r.id)).filter((d) => this.children(d.id).length > 0);
  }

  /** An area code (district code) as a name. @param {string | null | undefined} code */
  areaName(code) {
    const d = code ? this.byCode.get(code) : undefined;
    return d ? this.deptName(d.id) : (code ?? "");
  }
}

/** Order "/1/3/4/" paths numerically segment by segment. @param {string} a @param {string} b */
function comparePaths(a, b) {
  const pa = a.split("/").filter(Boolean).map(Number);
  const pb = b.split("/").filter(Boolean).map(Number);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++)
    if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return pa.length - pb.length;
}
