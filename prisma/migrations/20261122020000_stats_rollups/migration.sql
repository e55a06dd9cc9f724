-- Stats rollups (issue 4): the dashboard reads these, never the tickets table.
-- stats_open_tickets keeps one narrow row per open ticket for the as-of-now figures.
-- ticket_facts / ticket_dispatch_facts hold each ticket's (and each lead dispatch's) 0/1
-- contributions, so a ticket change applies old → new deltas to the daily rollups in one
-- transaction (src/stats/rollups.ts). In the rollups, category_id 0 with channel '*' is
-- the total over categories and channels of a (day, department). department_id 0 = none.
-- A periodic set-based rebuild recomputes everything and must find nothing to change.
-- No foreign keys: derived data, rewritten by the stats worker.

-- CreateTable
CREATE TABLE "ticket_facts" (
    "ticket_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "department_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "received" SMALLINT NOT NULL,
    "closed" SMALLINT NOT NULL,
    "on_time" SMALLINT NOT NULL,
    "reopened" SMALLINT NOT NULL,
    "rated" SMALLINT NOT NULL,
    "satisfied" SMALLINT NOT NULL,
    "basically_satisfied" SMALLINT NOT NULL,
    "dissatisfied" SMALLINT NOT NULL,
    "resolved" SMALLINT NOT NULL,

    CONSTRAINT "ticket_facts_pkey" PRIMARY KEY ("ticket_id")
);

-- CreateTable
CREATE TABLE "ticket_dispatch_facts" (
    "assignment_id" INTEGER NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "department_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "dispatched" SMALLINT NOT NULL,
    "response_due" SMALLINT NOT NULL,
    "signed_on_time" SMALLINT NOT NULL,
    "returned" SMALLINT NOT NULL,

    CONSTRAINT "ticket_dispatch_facts_pkey" PRIMARY KEY ("assignment_id")
);

-- CreateTable
CREATE TABLE "stats_daily" (
    "day" DATE NOT NULL,
    "department_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "received" INTEGER NOT NULL DEFAULT 0,
    "closed" INTEGER NOT NULL DEFAULT 0,
    "on_time" INTEGER NOT NULL DEFAULT 0,
    "reopened" INTEGER NOT NULL DEFAULT 0,
    "rated" INTEGER NOT NULL DEFAULT 0,
    "satisfied" INTEGER NOT NULL DEFAULT 0,
    "basically_satisfied" INTEGER NOT NULL DEFAULT 0,
    "dissatisfied" INTEGER NOT NULL DEFAULT 0,
    "resolved" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "stats_daily_pkey" PRIMARY KEY ("day","department_id","category_id","channel")
);

-- CreateTable
CREATE TABLE "stats_dispatch_daily" (
    "day" DATE NOT NULL,
    "department_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "dispatched" INTEGER NOT NULL DEFAULT 0,
    "response_due" INTEGER NOT NULL DEFAULT 0,
    "signed_on_time" INTEGER NOT NULL DEFAULT 0,
    "returned" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "stats_dispatch_daily_pkey" PRIMARY KEY ("day","department_id","category_id","channel")
);

-- CreateTable
CREATE TABLE "stats_open_tickets" (
    "ticket_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "department_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "status" "TicketStatus" NOT NULL,
    "due_at" TIMESTAMPTZ(3),
    "sign_by" TIMESTAMPTZ(3),
    "signed_at" TIMESTAMPTZ(3),
    "callback_by" TIMESTAMPTZ(3),
    "first_approved_reply_at" TIMESTAMPTZ(3),
    "sign_warning" BOOLEAN NOT NULL,
    "resolve_warning" BOOLEAN NOT NULL,
    "supervision_level" INTEGER NOT NULL,

    CONSTRAINT "stats_open_tickets_pkey" PRIMARY KEY ("ticket_id")
);

-- CreateTable
CREATE TABLE "stats_state" (
    "id" INTEGER NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,
    "rebuilt_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stats_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ticket_dispatch_facts_ticket_id_idx" ON "ticket_dispatch_facts"("ticket_id");
-- The unfiltered dashboard reads only the (day, department) totals: category 0, channel '*'.
CREATE INDEX "stats_daily_category_id_channel_day_idx" ON "stats_daily"("category_id", "channel", "day");
CREATE INDEX "stats_dispatch_daily_category_id_channel_day_idx" ON "stats_dispatch_daily"("category_id", "channel", "day");
CREATE INDEX "stats_open_tickets_day_idx" ON "stats_open_tickets"("day");
CREATE INDEX "stats_open_tickets_due_at_idx" ON "stats_open_tickets"("due_at");

-- The single row whose version the SSE stream polls.
INSERT INTO "stats_state" ("id", "version") VALUES (1, 0);
