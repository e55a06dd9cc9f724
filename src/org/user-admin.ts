import { generatePassword, hashPassword, passwordPolicyError } from "../auth/password.ts";
import type { Principal } from "../auth/principal.ts";
import { announceUserChanged, revokeAllTokens } from "../auth/revocation.ts";
import type { Db, Tx } from "../db/client.ts";
import { AppError, notFound, validation } from "../errors.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Role } from "../generated/prisma/enums.ts";
import type { DepartmentTree } from "./department-tree.ts";

export const USER_SELECT = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  departmentId: true,
  active: true,
} as const;

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  departmentId: number | null;
  active: boolean;
}

export interface UserPatch {
  displayName?: string;
  role?: Role;
  departmentId?: number | null;
  active?: boolean;
}

/**
 * User administration (admin only at the API): create, list, disable and enable, role and
 * department, password reset. Every change is one transaction with its `audit_log` rows
 * (actor, action, `detail.userId`); whatever ends a user's tokens (disabling, a reset) raises
 * the user's token version, and every change is announced so this process's auth cache
 * forgets the user at once (other processes within 5 s).
 */
export class UserAdmin {
  constructor(
    private readonly db: Db,
    private readonly tree: () => Promise<DepartmentTree>,
  ) {}

  list(): Promise<UserRow[]> {
    return this.db.user.findMany({ select: USER_SELECT, orderBy: { id: "asc" } });
  }

  async get(id: number): Promise<UserRow> {
    const user = isUserId(id) ? await this.db.user.findUnique({ where: { id }, select: USER_SELECT }) : null;
    if (!user) throw notFound("User");
    return user;
  }

  /** `actor` is null when the system itself creates users (the demo seed). */
  async create(
    actor: Principal | null,
    input: {
      username: string;
      password: string;
      displayName: string;
      role: Role;
      departmentId?: number | null;
    },
    /** A hash of `input.password` made once for many users (the demo seed); never from a request. */
    precomputedHash?: string,
  ): Promise<UserRow> {
    const problem = passwordPolicyError(input.password, input.username);
    if (problem) throw validation({ password: problem });
    await this.checkPlacement(input.role, input.departmentId ?? null);
    const passwordHash = precomputedHash ?? (await hashPassword(input.password));
    try {
      return await this.db.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: {
            username: input.username,
            passwordHash,
            displayName: input.displayName,
            role: input.role,
            departmentId: input.departmentId ?? null,
          },
          select: USER_SELECT,
        });
        await audit(tx, actor, "create_user", user, { role: user.role, departmentId: user.departmentId });
        return user;
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")
        throw new AppError("conflict", "This username is taken", {
          errors: { username: "This username is taken" },
        });
      throw err;
    }
  }

  /**
   * Changes what is given. Disabling revokes every token of the user (enabling does not bring
   * them back); a new role or department applies to the user's next request. The last active
   * admin can be neither disabled nor given another role.
   */
  async update(actor: Principal, id: number, patch: UserPatch): Promise<UserRow> {
    if (!isUserId(id)) throw notFound("User");
    const updated = await this.db.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { id }, select: USER_SELECT });
      if (!before) throw notFound("User");
      const after: UserRow = {
        ...before,
        displayName: patch.displayName ?? before.displayName,
        role: patch.role ?? before.role,
        departmentId: patch.departmentId !== undefined ? patch.departmentId : before.departmentId,
        active: patch.active ?? before.active,
      };
      await this.checkPlacement(after.role, after.departmentId, patch.departmentId !== undefined);
      if (before.role === "admin" && before.active && (after.role !== "admin" || !after.active)) {
        await ensureAnotherAdmin(tx, id);
      }
      const user = await tx.user.update({
        where: { id },
        data: {
          displayName: after.displayName,
          role: after.role,
          departmentId: after.departmentId,
          active: after.active,
        },
        select: USER_SELECT,
      });
      if (before.active && !after.active) await revokeAllTokens(tx, id);
      if (before.active !== after.active)
        await audit(tx, actor, after.active ? "enable_user" : "disable_user", user);
      if (before.role !== after.role)
        await audit(tx, actor, "change_user_role", user, { from: before.role, to: after.role });
      if (before.departmentId !== after.departmentId)
        await audit(tx, actor, "change_user_department", user, {
          from: before.departmentId,
          to: after.departmentId,
        });
      if (before.displayName !== after.displayName)
        await audit(tx, actor, "rename_user", user, { from: before.displayName, to: after.displayName });
      return user;
    });
    announceUserChanged(this.db, id);
    return updated;
  }

  /**
   * Sets the user's password: `password` when given (it must follow the policy), else a
   * generated one, answered this once and never stored in clear. Revokes the user's tokens.
   */
  async resetPassword(
    actor: Principal,
    id: number,
    password: string | undefined,
  ): Promise<{ user: UserRow; password?: string }> {
    const user = await this.get(id);
    const chosen = password ?? generatePassword();
    const problem = passwordPolicyError(chosen, user.username);
    if (problem) throw validation({ password: problem });
    const passwordHash = await hashPassword(chosen);
    await this.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id }, data: { passwordHash } });
      await revokeAllTokens(tx, id);
      await audit(tx, actor, "reset_user_password", user, { generated: password === undefined });
    });
    announceUserChanged(this.db, id);
    return password === undefined ? { user, password: chosen } : { user };
  }

  private async checkPlacement(
    role: Role,
    departmentId: number | null,
    departmentGiven = true,
  ): Promise<void> {
    if (role === "handler" && departmentId == null)
      throw validation({ departmentId: "A handler belongs to a department" });
    if (departmentGiven && departmentId != null && !(await this.tree()).get(departmentId))
      throw validation({ departmentId: "Unknown department" });
  }
}

/** Ids are int4: a larger number in a URL names no user (rather than failing the query). */
const isUserId = (id: number) => Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647;

/**
 * Refuses to leave no active admin. Locks the active admins' rows, so two admins demoting
 * each other at once cannot both succeed.
 */
async function ensureAnotherAdmin(tx: Tx, leavingId: number): Promise<void> {
  const admins = await tx.$queryRaw<Array<{ id: number }>>`
    SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`;
  if (!admins.some((a) => a.id !== leavingId))
    throw new AppError("conflict", "At least one active admin must remain");
}

function audit(
  tx: Tx,
  actor: Principal | null,
  action: string,
  user: { id: number; username: string },
  detail: Record<string, string | number | boolean | null> = {},
) {
  return tx.auditLog.create({
    data: {
      actorId: actor?.id ?? null,
      action,
      detail: { userId: user.id, username: user.username, ...detail },
    },
  });
}
