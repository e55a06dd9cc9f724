-- SLA timer ledger (issue 3): the planned timers of each open ticket's current deadlines.
-- `state` is pending → fired (or deferred while the ticket's status refuses the event).
-- Reconciliation reads pending rows by due time through timer_firings_state_due_at_idx.
-- No foreign key to tickets: rows are rewritten on every ticket change and deleted when
-- superseded; the ticket, not this table, is the record of what was applied.

-- CreateTable
CREATE TABLE "timer_firings" (
    "ticket_id" INTEGER NOT NULL,
    "deadline_version" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "status" "TicketStatus" NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "fired_at" TIMESTAMPTZ(3),

    CONSTRAINT "timer_firings_pkey" PRIMARY KEY ("ticket_id","deadline_version","kind")
);

-- CreateIndex
CREATE INDEX "timer_firings_state_due_at_idx" ON "timer_firings"("state", "due_at");
