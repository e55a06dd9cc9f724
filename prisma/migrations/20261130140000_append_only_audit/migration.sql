-- Append-only records: a ticket's timeline and the audit log can be added to, never changed.
-- Each ticket's events carry a hash chain (hash = sha256(previous event's hash || the event)),
-- so an edit made around the triggers (a superuser, a restored backup) shows as a break
-- (`npm run audit:verify`, GET /api/v1/admin/audit/verify).

ALTER TABLE "ticket_events" ADD COLUMN "hash" BYTEA;

-- The digest of one event given the previous event's hash. The verifier uses the same function.
CREATE FUNCTION ticket_event_digest(prev BYTEA, ticket_id INTEGER, seq INTEGER, type TEXT,
                                    from_status "TicketStatus", to_status "TicketStatus", actor_id INTEGER,
                                    actor_role TEXT, department_id INTEGER, payload JSONB, at TIMESTAMPTZ)
RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(coalesce(prev, ''::bytea) || convert_to(concat_ws('|', ticket_id, seq, type,
           coalesce(from_status::text, ''), to_status::text, coalesce(actor_id::text, ''), actor_role,
           coalesce(department_id::text, ''), payload::text, (extract(epoch FROM at) * 1000)::bigint), 'UTF8'))
$$;

-- Events that existed before the chain: chained now, in order.
DO $$
DECLARE
  r RECORD;
  prev BYTEA;
  last_ticket INTEGER := NULL;
BEGIN
  FOR r IN SELECT * FROM "ticket_events" ORDER BY "ticket_id", "seq" LOOP
    IF last_ticket IS DISTINCT FROM r."ticket_id" THEN prev := NULL; last_ticket := r."ticket_id"; END IF;
    prev := ticket_event_digest(prev, r."ticket_id", r."seq", r."type", r."from_status", r."to_status",
                                r."actor_id", r."actor_role", r."department_id", r."payload", r."at");
    UPDATE "ticket_events" SET "hash" = prev WHERE "id" = r."id";
  END LOOP;
END $$;

-- Every new event is chained to the ticket's previous one (earlier rows of the same statement
-- are visible to a row-level BEFORE trigger, so batch inserts in seq order chain too).
CREATE FUNCTION ticket_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."hash" := ticket_event_digest(
    (SELECT e."hash" FROM "ticket_events" e WHERE e."ticket_id" = NEW."ticket_id" AND e."seq" = NEW."seq" - 1),
    NEW."ticket_id", NEW."seq", NEW."type", NEW."from_status", NEW."to_status", NEW."actor_id", NEW."actor_role",
    NEW."department_id", NEW."payload", NEW."at");
  RETURN NEW;
END $$;
CREATE TRIGGER "ticket_events_chain" BEFORE INSERT ON "ticket_events"
  FOR EACH ROW EXECUTE FUNCTION ticket_events_chain();

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "ticket_events_append_only" BEFORE UPDATE OR DELETE ON "ticket_events"
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER "ticket_events_no_truncate" BEFORE TRUNCATE ON "ticket_events"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
