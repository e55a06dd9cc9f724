-- Stats outbox: every ticket write appends a row in its own transaction; the stats worker
-- drains it in batches (src/stats/rollups.ts drainOutbox). Append-only, so writers never wait.
CREATE TABLE "stats_outbox" (
    "id" BIGSERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "bump" BOOLEAN NOT NULL DEFAULT false,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stats_outbox_pkey" PRIMARY KEY ("id")
);
