import type { Ticket } from "../generated/prisma/client.ts";
import type { TicketContext, TicketState } from "./ticket.machine.ts";

/**
 * A ticket row as the write path and the views use it: Prisma's `Ticket` with the machine's
 * own types for the status and the context (a JSON column Prisma types as any JSON).
 */
export type TicketRecord = Omit<Ticket, "context" | "status"> & {
  status: TicketState;
  context: TicketContext;
};

/**
 * A row Prisma read (admin and read-only paths). The context column only ever holds what the
 * ticket writer stored, a `TicketContext`.
 */
export function fromPrisma(t: Ticket): TicketRecord {
  return { ...t, context: t.context as unknown as TicketContext };
}

/**
 * The ticket's columns as the raw-SQL writer selects them, aliased to `TicketRecord`'s keys,
 * so a `pg` row is a `TicketRecord` as it comes.
 */
export const TICKET_RECORD_COLUMNS = `t.id, t.number, t.external_ref AS "externalRef", t.channel, t.status::text AS status,
  t.version, t.citizen_name AS "citizenName", t.citizen_phone AS "citizenPhone", t.confidential, t.address, t.area,
  t.lat, t.lng, t.category_id AS "categoryId", t.urgency::text AS urgency, t.title, t.description,
  t.department_id AS "departmentId", t.co_department_ids AS "coDepartmentIds", t.sub_department_id AS "subDepartmentId",
  t.context, t.reopen_count AS "reopenCount", t.supervision_level AS "supervisionLevel",
  t.dispatch_count AS "dispatchCount", t.last_rating::text AS "lastRating", t.last_resolved AS "lastResolved",
  t.directly_answered AS "directlyAnswered", t.merged_into_id AS "mergedIntoId",
  t.public, t.public_summary AS "publicSummary", t.open311_key_id AS "open311KeyId",
  t.deadline_version AS "deadlineVersion", t.dispatched_at AS "dispatchedAt", t.sign_by AS "signBy",
  t.first_response_by AS "firstResponseBy", t.due_at AS "dueAt", t.callback_by AS "callbackBy",
  t.signed_at AS "signedAt", t.first_response_at AS "firstResponseAt",
  t.first_approved_reply_at AS "firstApprovedReplyAt", t.closed_at AS "closedAt",
  t.first_reply_on_time AS "firstReplyOnTime",
  t.created_by_id AS "createdById", t.created_at AS "createdAt", t.updated_at AS "updatedAt"`;
