import { Cached } from "../db/cached.ts";
import type { Db } from "../db/client.ts";
import { AppError, notFound, validation } from "../errors.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Role } from "../generated/prisma/enums.ts";
import { DepartmentTree } from "./department-tree.ts";
import { UserAdmin } from "./user-admin.ts";

const TREE_TTL_MS = 2_000;

export interface CategoryRow {
  id: number;
  code: string;
  name: string;
  nameEn: string | null;
  defaultDepartmentId: number | null;
  answerDirectly: boolean;
  active: boolean;
}

/** Departments, users, categories and the dispatch catalogue. */
export class OrgService {
  private readonly treeCache = new Cached(
    async () => new DepartmentTree(await this.db.department.findMany({ orderBy: { id: "asc" } })),
    TREE_TTL_MS,
  );
  private readonly categoryCache = new Cached(async () => {
    const rows = await this.db.category.findMany({ orderBy: { code: "asc" } });
    return { byCode: new Map(rows.map((r) => [r.code, r])), byId: new Map(rows.map((r) => [r.id, r])) };
  }, TREE_TTL_MS);

  /** User administration (src/org/user-admin.ts). */
  readonly users: UserAdmin;

  constructor(private readonly db: Db) {
    this.users = new UserAdmin(db, () => this.tree());
  }

  tree(): Promise<DepartmentTree> {
    return this.treeCache.get();
  }

  async createDepartment(input: {
    name: string;
    code: string;
    parentId?: number | null;
    nameEn?: string | null;
    handlesTickets?: boolean;
  }) {
    const tree = await this.tree();
    const parent = input.parentId != null ? tree.get(input.parentId) : undefined;
    if (input.parentId != null && !parent) throw validation({ parentId: "Unknown parent department" });
    try {
      const dept = await this.db.$transaction(async (tx) => {
        const created = await tx.department.create({
          data: {
            name: input.name,
            code: input.code,
            nameEn: input.nameEn ?? null,
            parentId: parent?.id ?? null,
            handlesTickets: input.handlesTickets ?? true,
            path: "",
          },
        });
        return tx.department.update({
          where: { id: created.id },
          data: { path: DepartmentTree.childPath(parent, created.id) },
        });
      });
      this.treeCache.clear();
      return dept;
    } catch (err) {
      throw uniqueViolation(err, "code", "A department with this code exists");
    }
  }

  /** Renames a department or says whether it handles tickets; the tree keeps its shape. */
  async updateDepartment(
    id: number,
    patch: { name?: string; nameEn?: string | null; handlesTickets?: boolean },
  ) {
    if (!(await this.tree()).get(id)) throw notFound("Department");
    const dept = await this.db.department.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.nameEn !== undefined ? { nameEn: patch.nameEn || null } : {}),
        ...(patch.handlesTickets !== undefined ? { handlesTickets: patch.handlesTickets } : {}),
      },
    });
    this.treeCache.clear();
    return dept;
  }

  /** Creates a user (the demo seed; the API goes through `users.create` with its actor). */
  createUser(
    input: {
      username: string;
      password: string;
      displayName: string;
      role: Role;
      departmentId?: number | null;
    },
    /** See UserAdmin.create: the demo seed hashes its one shared password once. */
    precomputedHash?: string,
  ) {
    return this.users.create(null, input, precomputedHash);
  }

  listUsers() {
    return this.users.list();
  }

  async createCategory(input: {
    code: string;
    name: string;
    nameEn?: string | null;
    defaultDepartmentId?: number | null;
    answerDirectly?: boolean;
  }) {
    if (input.defaultDepartmentId != null && !(await this.tree()).get(input.defaultDepartmentId)) {
      throw validation({ defaultDepartmentId: "Unknown department" });
    }
    try {
      const row = await this.db.category.create({
        data: {
          code: input.code,
          name: input.name,
          nameEn: input.nameEn ?? null,
          defaultDepartmentId: input.defaultDepartmentId ?? null,
          answerDirectly: input.answerDirectly ?? false,
        },
      });
      this.categoryCache.clear();
      return row;
    } catch (err) {
      throw uniqueViolation(err, "code", "A category with this code exists");
    }
  }

  private categories() {
    return this.categoryCache.get();
  }

  async listCategories(): Promise<CategoryRow[]> {
    return [...(await this.categories()).byCode.values()];
  }

  async categoryByCode(code: string): Promise<CategoryRow | undefined> {
    return (await this.categories()).byCode.get(code);
  }

  async categoryById(id: number): Promise<CategoryRow | undefined> {
    return (await this.categories()).byId.get(id);
  }

  async putDispatchRule(input: { categoryCode: string; area?: string; departmentId: number }) {
    if (!(await this.categoryByCode(input.categoryCode))) throw notFound("Category");
    if (!(await this.tree()).get(input.departmentId))
      throw validation({ departmentId: "Unknown department" });
    const area = input.area ?? "";
    return this.db.dispatchRule.upsert({
      where: { categoryCode_area: { categoryCode: input.categoryCode, area } },
      create: { categoryCode: input.categoryCode, area, departmentId: input.departmentId },
      update: { departmentId: input.departmentId },
    });
  }

  listDispatchRules() {
    return this.db.dispatchRule.findMany({ orderBy: [{ categoryCode: "asc" }, { area: "asc" }] });
  }

  /**
   * What the desk proposes for a new ticket: answering it directly (a category the hotline
   * answers on the call), else the catalogue's unit.
   */
  async suggestion(
    categoryCode: string,
    area?: string | null,
  ): Promise<{ departmentId: number | null; answerDirectly: boolean }> {
    const category = await this.categoryByCode(categoryCode);
    if (category?.answerDirectly) return { departmentId: null, answerDirectly: true };
    return { departmentId: await this.suggestDepartment(categoryCode, area), answerDirectly: false };
  }

  /** The dispatch catalogue's suggestion: the area-specific rule, else the category-wide one, else the category default. */
  async suggestDepartment(categoryCode: string, area?: string | null): Promise<number | null> {
    const rules = await this.db.dispatchRule.findMany({
      where: { categoryCode, area: { in: area ? [area, ""] : [""] } },
    });
    const specific = rules.find((r) => r.area !== "") ?? rules.find((r) => r.area === "");
    if (specific) return specific.departmentId;
    return (await this.categoryByCode(categoryCode))?.defaultDepartmentId ?? null;
  }
}

function uniqueViolation(err: unknown, field: string, message: string): unknown {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
    return new AppError("conflict", message, { errors: { [field]: message } });
  }
  return err;
}
