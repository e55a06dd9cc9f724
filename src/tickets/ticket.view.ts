import type { Principal } from "../auth/principal.ts";
import { HOTLINE_ROLES } from "../auth/principal.ts";
import type { Ticket } from "../generated/prisma/client.ts";
import type { DepartmentTree } from "../org/department-tree.ts";
import { trafficLight as lightOf, type TrafficLight } from "./deadline-state.ts";
import { type Actor, allowedEvents } from "./ticket.machine.ts";
import type { TicketRecord } from "./ticket.record.ts";

/** 138****5678; landlines keep their area code and last four digits. */
export function maskPhone(phone: string): string {
  if (phone.length <= 4) return "*".repeat(phone.length);
  if (/^1\d{10}$/.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  return `${phone.slice(0, Math.min(4, phone.length - 4))}****${phone.slice(-4)}`;
}

/** How a handler relates to a ticket, from the department tree (the machine's guards need it). */
export function actorFor(
  principal: Principal,
  t: Pick<Ticket, "departmentId" | "coDepartmentIds" | "subDepartmentId">,
  tree: DepartmentTree,
): Actor {
  const base = { role: principal.role, userId: principal.id } as const;
  const dept = principal.departmentId;
  if (principal.role !== "handler" || dept == null) return { ...base, relation: "none" };
  if (tree.contains(dept, t.departmentId)) return { ...base, relation: "lead" };
  const co = t.coDepartmentIds.find((id) => tree.contains(dept, id));
  if (co !== undefined) return { ...base, relation: "co", coDepartmentId: co };
  if (tree.contains(dept, t.subDepartmentId)) return { ...base, relation: "sub" };
  return { ...base, relation: "none" };
}

/** Handlers see tickets of their department subtree only (lead, co-handling or sub-dispatched); others see all. */
export function canSee(
  principal: Principal,
  t: Pick<Ticket, "departmentId" | "coDepartmentIds" | "subDepartmentId">,
  tree: DepartmentTree,
): boolean {
  if (principal.role !== "handler") return true;
  return actorFor(principal, t, tree).relation !== "none";
}

/**
 * Full phone for the hotline roles; for the handling department unless confidential (and
 * only on the detail view, where each read is audited); masked for everyone else.
 */
export function phoneVisibility(
  principal: Principal,
  t: Pick<Ticket, "confidential">,
  detail: boolean,
): "full" | "audited" | "masked" {
  if (HOTLINE_ROLES.has(principal.role)) return "full";
  if (principal.role === "handler" && detail && !t.confidential) return "audited";
  return "masked";
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The desk's traffic light: deadline-state.ts decides it, the same function the browser runs. */
export function trafficLight(t: TicketRecord, now: Date): TrafficLight {
  return lightOf({ ...t, flags: t.context.flags }, now);
}

export function toTicketView(
  t: TicketRecord,
  opts: {
    principal: Principal;
    tree: DepartmentTree;
    categoryCode: string;
    categoryName: string;
    detail: boolean;
    now?: Date;
  },
) {
  const ctx = t.context;
  const now = opts.now ?? new Date();
  const actor = actorFor(opts.principal, t, opts.tree);
  const visibility = phoneVisibility(opts.principal, t, opts.detail);
  return {
    id: t.id,
    number: t.number,
    externalRef: t.externalRef,
    channel: t.channel,
    status: t.status,
    version: t.version,
    citizenName: t.citizenName,
    citizenPhone: visibility === "masked" ? maskPhone(t.citizenPhone) : t.citizenPhone,
    confidential: t.confidential,
    public: t.public,
    publicSummary: t.publicSummary,
    address: t.address,
    area: t.area,
    lat: t.lat,
    lng: t.lng,
    categoryCode: opts.categoryCode,
    categoryName: opts.categoryName,
    urgency: t.urgency,
    title: t.title,
    description: t.description,
    departmentId: t.departmentId,
    coDepartmentIds: t.coDepartmentIds,
    subDepartmentId: t.subDepartmentId,
    reopenCount: t.reopenCount,
    supervisionLevel: t.supervisionLevel,
    dispatchCount: t.dispatchCount,
    lastRating: t.lastRating,
    lastResolved: t.lastResolved,
    directlyAnswered: t.directlyAnswered,
    mergedIntoId: t.mergedIntoId,
    deadlineVersion: t.deadlineVersion,
    dispatchedAt: iso(t.dispatchedAt),
    signBy: iso(t.signBy),
    firstResponseBy: iso(t.firstResponseBy),
    dueAt: iso(t.dueAt),
    callbackBy: iso(t.callbackBy),
    signedAt: iso(t.signedAt),
    firstResponseAt: iso(t.firstResponseAt),
    firstApprovedReplyAt: iso(t.firstApprovedReplyAt),
    closedAt: iso(t.closedAt),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    flags: { ...ctx.flags },
    pendingExtension: ctx.pendingExtension,
    approvedExtensions: ctx.approvedExtensions,
    unreachableCount: ctx.unreachableCount,
    assistRepliedDepartmentIds: ctx.assistRepliedDepartmentIds,
    trafficLight: trafficLight(t, now),
    allowedEvents: opts.detail
      ? allowedEvents({ status: t.status, context: ctx }, actor, now.toISOString())
      : [],
  };
}
export type TicketView = ReturnType<typeof toTicketView>;
