import type { Role } from "../generated/prisma/enums.ts";

/** The authenticated caller, as every route and service sees it. */
export interface Principal {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  departmentId: number | null;
}

/** Roles of the hotline itself, who see citizens' full phone numbers. */
export const HOTLINE_ROLES: ReadonlySet<Role> = new Set(["agent", "reviewer"]);
/** Roles that read every ticket regardless of department. */
export const READ_ALL_ROLES: ReadonlySet<Role> = new Set(["agent", "reviewer", "manager", "admin"]);
