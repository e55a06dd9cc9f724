-- On time (按时办结) is judged when the first reply is approved, against the resolution deadline in
-- force at that moment (DESIGN "Metrics"): the ticket writer records the judgement then, so a later
-- reopen or dissatisfied callback, which sets a fresh due_at, no longer changes it.
ALTER TABLE "tickets" ADD COLUMN "first_reply_on_time" BOOLEAN;

-- Tickets replied before this column existed. Until the first reopen a ticket's due_at is the one
-- in force at its first approved reply (after the approval only a reopen changes it). A reopened
-- ticket was late when a RESOLVE_OVERDUE was recorded after its last deadline change (dispatch,
-- re-dispatch, approved extension) before that reply.
UPDATE "tickets" t SET "first_reply_on_time" = CASE
    WHEN t."reopen_count" = 0 THEN t."due_at" IS NOT NULL AND t."first_approved_reply_at" <= t."due_at"
    ELSE NOT EXISTS (
      SELECT 1 FROM "ticket_events" o
       WHERE o."ticket_id" = t."id" AND o."type" = 'RESOLVE_OVERDUE' AND o."at" <= t."first_approved_reply_at"
         AND o."at" >= coalesce((SELECT max(d."at") FROM "ticket_events" d
                                  WHERE d."ticket_id" = t."id"
                                    AND d."type" IN ('DISPATCH', 'APPROVE_RETURN', 'APPROVE_EXTENSION')
                                    AND d."at" <= t."first_approved_reply_at"), '-infinity'))
  END
 WHERE t."first_approved_reply_at" IS NOT NULL;

-- The as-of-now rows keep the judgement instead of the reply time.
ALTER TABLE "stats_open_tickets" DROP COLUMN "first_approved_reply_at";
ALTER TABLE "stats_open_tickets" ADD COLUMN "first_reply_on_time" BOOLEAN;
UPDATE "stats_open_tickets" o SET "first_reply_on_time" = t."first_reply_on_time"
  FROM "tickets" t WHERE t."id" = o."ticket_id";
