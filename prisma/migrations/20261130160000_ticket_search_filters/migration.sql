-- ticket_search also holds one token per category, lead unit, co-handling unit and
-- sub-dispatched unit of the ticket ("\x01k<id>", "\x01d<id>", "\x01c<id>", "\x01s<id>": three
-- characters or more, so never a text gram). A text search within a category, a department or
-- a handler's scope then intersects them in the one GIN index, instead of reading every ticket
-- of the category or the scope (src/tickets/ticket.list.ts).
CREATE FUNCTION ticket_search_tokens(category_id integer, department_id integer,
                                     co_department_ids integer[], sub_department_id integer)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[E'\x01k' || category_id]
      || CASE WHEN department_id IS NULL THEN '{}'::text[] ELSE ARRAY[E'\x01d' || department_id] END
      || ARRAY(SELECT E'\x01c' || c FROM unnest(co_department_ids) AS c WHERE c IS NOT NULL)
      || CASE WHEN sub_department_id IS NULL THEN '{}'::text[] ELSE ARRAY[E'\x01s' || sub_department_id] END
$$;

CREATE OR REPLACE FUNCTION ticket_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_search (ticket_id, grams)
  SELECT n.id, ticket_search_grams(n.title, n.description, n.address)
               || ticket_search_tokens(n.category_id, n.department_id, n.co_department_ids, n.sub_department_id)
    FROM new_rows n;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION ticket_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_search (ticket_id, grams)
  VALUES (NEW.id, ticket_search_grams(NEW.title, NEW.description, NEW.address)
                  || ticket_search_tokens(NEW.category_id, NEW.department_id, NEW.co_department_ids,
                                          NEW.sub_department_id))
  ON CONFLICT (ticket_id) DO UPDATE SET grams = EXCLUDED.grams;
  RETURN NULL;
END
$$;

-- Dispatches, returns and recalls change the units: the trigger fires for them too, and for
-- nothing else the event writers change.
DROP TRIGGER ticket_search_update ON tickets;
CREATE TRIGGER ticket_search_update AFTER UPDATE ON tickets FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.address IS DISTINCT FROM NEW.address OR OLD.category_id IS DISTINCT FROM NEW.category_id
        OR OLD.department_id IS DISTINCT FROM NEW.department_id
        OR OLD.co_department_ids IS DISTINCT FROM NEW.co_department_ids
        OR OLD.sub_department_id IS DISTINCT FROM NEW.sub_department_id)
  EXECUTE FUNCTION ticket_search_updated();

-- Rebuilt rather than updated in place: no dead rows, one index build.
DROP INDEX "ticket_search_grams_idx";
TRUNCATE ticket_search;
INSERT INTO ticket_search (ticket_id, grams)
SELECT id, ticket_search_grams(title, description, address)
           || ticket_search_tokens(category_id, department_id, co_department_ids, sub_department_id)
  FROM tickets;
CREATE INDEX "ticket_search_grams_idx" ON "ticket_search" USING GIN ("grams");
