-- The ticket list (GET /api/v1/tickets, src/tickets/ticket.list.ts) on a district year of tickets.

-- Substring search (`q`) over title, description and address. LIKE '%…%' cannot use a btree,
-- and pg_trgm finds no trigrams in Chinese text under a C ctype (nor any in a two-character
-- term), so every ticket's character unigrams and bigrams are kept in `ticket_search`, GIN
-- indexed: a term's bigrams (its one character, if it is one) must all be there, and LIKE
-- rechecks the candidates. Triggers keep the table in step with every writer, Prisma or raw SQL.
CREATE FUNCTION ticket_search_grams(title text, description text, address text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  s text;
  c text[];
  grams text[] := '{}';
BEGIN
  FOREACH s IN ARRAY ARRAY[title, description, coalesce(address, '')] LOOP
    c := string_to_array(s, NULL);
    grams := grams || c;
    FOR i IN 1 .. cardinality(c) - 1 LOOP
      grams := array_append(grams, c[i] || c[i + 1]);
    END LOOP;
  END LOOP;
  -- array_to_tsvector sorts and de-duplicates in C, far faster than DISTINCT here.
  RETURN tsvector_to_array(array_to_tsvector(grams));
END
$$;

CREATE TABLE "ticket_search" (
    "ticket_id" INTEGER NOT NULL,
    "grams" TEXT[],
    CONSTRAINT "ticket_search_pkey" PRIMARY KEY ("ticket_id")
);
ALTER TABLE "ticket_search" ADD CONSTRAINT "ticket_search_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- New tickets, set-based (one INSERT per statement, so an import's COPY costs one statement).
CREATE FUNCTION ticket_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_search (ticket_id, grams)
  SELECT n.id, ticket_search_grams(n.title, n.description, n.address) FROM new_rows n;
  RETURN NULL;
END
$$;
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_inserted();

-- Changed text only: the WHEN clause keeps the event writers' updates free of it.
CREATE FUNCTION ticket_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_search (ticket_id, grams)
  VALUES (NEW.id, ticket_search_grams(NEW.title, NEW.description, NEW.address))
  ON CONFLICT (ticket_id) DO UPDATE SET grams = EXCLUDED.grams;
  RETURN NULL;
END
$$;
CREATE TRIGGER ticket_search_update AFTER UPDATE ON tickets FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.address IS DISTINCT FROM NEW.address)
  EXECUTE FUNCTION ticket_search_updated();

INSERT INTO ticket_search (ticket_id, grams)
SELECT id, ticket_search_grams(title, description, address) FROM tickets;

CREATE INDEX "ticket_search_grams_idx" ON "ticket_search" USING GIN ("grams");

-- Status filters newest first (one status: an ordered range; several: a bitmap and a small sort).
CREATE INDEX "tickets_status_created_at_id_idx" ON "tickets"("status", "created_at" DESC, "id" DESC);
-- The deadline sort, walked in order with the cursor as an index condition.
CREATE INDEX "tickets_due_at_id_idx" ON "tickets"("due_at", "id");
-- A handler's scope: lead unit (tickets_department_id_status_idx), co-handling units, sub-dispatched unit.
CREATE INDEX "tickets_co_department_ids_idx" ON "tickets" USING GIN ("co_department_ids");
CREATE INDEX "tickets_sub_department_id_idx" ON "tickets"("sub_department_id");
