-- CreateEnum
CREATE TYPE "Role" AS ENUM ('agent', 'reviewer', 'handler', 'manager', 'admin');
CREATE TYPE "TicketStatus" AS ENUM ('registered', 'dispatched', 'processing', 'returnRequested', 'reviewing', 'callback', 'closed', 'merged');
CREATE TYPE "Urgency" AS ENUM ('normal', 'urgent', 'critical');
CREATE TYPE "SlaClock" AS ENUM ('calendar', 'working');
CREATE TYPE "AssignmentRole" AS ENUM ('lead', 'co', 'sub');
CREATE TYPE "AssignmentOutcome" AS ENUM ('pending', 'signed', 'returned', 'recalled', 'replaced', 'completed');
CREATE TYPE "ExtensionStatus" AS ENUM ('pending', 'approved', 'rejected');
CREATE TYPE "CallbackRating" AS ENUM ('satisfied', 'basically_satisfied', 'dissatisfied', 'unreachable');
CREATE TYPE "CalendarDayKind" AS ENUM ('holiday', 'workday');

-- Ticket numbers: local date + a global sequence (see tickets.number default)
CREATE SEQUENCE "ticket_number_seq";

-- CreateTable
CREATE TABLE "departments" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "name_en" TEXT,
    "parent_id" INTEGER,
    "path" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "departments_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "department_id" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "categories" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "name_en" TEXT,
    "default_department_id" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "categories_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "dispatch_rules" (
    "id" SERIAL NOT NULL,
    "category_code" TEXT NOT NULL,
    "area" TEXT NOT NULL DEFAULT '',
    "department_id" INTEGER NOT NULL,

    CONSTRAINT "dispatch_rules_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "tickets" (
    "id" SERIAL NOT NULL,
    "number" TEXT NOT NULL DEFAULT (to_char((now() AT TIME ZONE 'Asia/Shanghai'::text), 'YYYYMMDD'::text) || lpad((nextval('ticket_number_seq'::regclass))::text, 8, '0'::text)),
    "external_ref" TEXT,
    "channel" TEXT NOT NULL,
    "status" "TicketStatus" NOT NULL DEFAULT 'registered',
    "version" INTEGER NOT NULL DEFAULT 1,
    "citizen_name" TEXT NOT NULL,
    "citizen_phone" TEXT NOT NULL,
    "confidential" BOOLEAN NOT NULL DEFAULT false,
    "address" TEXT,
    "area" TEXT,
    "lat" DOUBLE PRECISION,
    "lng" DOUBLE PRECISION,
    "category_id" INTEGER NOT NULL,
    "urgency" "Urgency" NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "department_id" INTEGER,
    "co_department_ids" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "sub_department_id" INTEGER,
    "context" JSONB NOT NULL,
    "reopen_count" INTEGER NOT NULL DEFAULT 0,
    "supervision_level" INTEGER NOT NULL DEFAULT 0,
    "dispatch_count" INTEGER NOT NULL DEFAULT 0,
    "last_rating" "CallbackRating",
    "last_resolved" BOOLEAN,
    "directly_answered" BOOLEAN NOT NULL DEFAULT false,
    "merged_into_id" INTEGER,
    "deadline_version" INTEGER NOT NULL DEFAULT 0,
    "dispatched_at" TIMESTAMPTZ(3),
    "sign_by" TIMESTAMPTZ(3),
    "first_response_by" TIMESTAMPTZ(3),
    "due_at" TIMESTAMPTZ(3),
    "callback_by" TIMESTAMPTZ(3),
    "signed_at" TIMESTAMPTZ(3),
    "first_response_at" TIMESTAMPTZ(3),
    "first_approved_reply_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tickets_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ticket_events" (
    "id" BIGSERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "from_status" "TicketStatus",
    "to_status" "TicketStatus" NOT NULL,
    "actor_id" INTEGER,
    "actor_role" TEXT NOT NULL,
    "department_id" INTEGER,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ticket_events_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "assignments" (
    "id" SERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "department_id" INTEGER NOT NULL,
    "role" "AssignmentRole" NOT NULL,
    "dispatched_at" TIMESTAMPTZ(3) NOT NULL,
    "sign_by" TIMESTAMPTZ(3),
    "signed_at" TIMESTAMPTZ(3),
    "outcome" "AssignmentOutcome" NOT NULL DEFAULT 'pending',
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "assignments_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "extension_requests" (
    "id" SERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "requested_by_id" INTEGER NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "ExtensionStatus" NOT NULL DEFAULT 'pending',
    "decided_by_id" INTEGER,
    "decided_at" TIMESTAMPTZ(3),
    "decision_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "extension_requests_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "callbacks" (
    "id" SERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "agent_id" INTEGER NOT NULL,
    "rating" "CallbackRating" NOT NULL,
    "resolved" BOOLEAN,
    "note" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "callbacks_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "idempotency_keys" (
    "user_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("user_id","key")
);

CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor_id" INTEGER,
    "action" TEXT NOT NULL,
    "ticket_id" INTEGER,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

CREATE TABLE "sla_policies" (
    "category_code" TEXT NOT NULL,
    "urgency" "Urgency" NOT NULL,
    "sign_within" TEXT NOT NULL,
    "first_response_within" TEXT NOT NULL,
    "resolve_within" TEXT NOT NULL,
    "callback_within" TEXT NOT NULL,
    "clock" "SlaClock" NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sla_policies_pkey" PRIMARY KEY ("category_code","urgency")
);

CREATE TABLE "calendar_days" (
    "date" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "kind" "CalendarDayKind" NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "calendar_days_pkey" PRIMARY KEY ("date")
);

-- CreateIndex
CREATE UNIQUE INDEX "departments_code_key" ON "departments"("code");
CREATE INDEX "departments_parent_id_idx" ON "departments"("parent_id");
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");
CREATE UNIQUE INDEX "categories_code_key" ON "categories"("code");
CREATE UNIQUE INDEX "dispatch_rules_category_code_area_key" ON "dispatch_rules"("category_code", "area");
CREATE UNIQUE INDEX "tickets_number_key" ON "tickets"("number");
CREATE UNIQUE INDEX "tickets_external_ref_key" ON "tickets"("external_ref");
CREATE INDEX "tickets_created_at_id_idx" ON "tickets"("created_at" DESC, "id" DESC);
CREATE INDEX "tickets_status_due_at_idx" ON "tickets"("status", "due_at");
CREATE INDEX "tickets_department_id_status_idx" ON "tickets"("department_id", "status");
CREATE INDEX "tickets_category_id_created_at_idx" ON "tickets"("category_id", "created_at");
CREATE INDEX "tickets_citizen_phone_idx" ON "tickets"("citizen_phone");
CREATE UNIQUE INDEX "ticket_events_ticket_id_seq_key" ON "ticket_events"("ticket_id", "seq");
CREATE INDEX "ticket_events_at_idx" ON "ticket_events"("at");
CREATE INDEX "assignments_ticket_id_idx" ON "assignments"("ticket_id");
CREATE INDEX "assignments_department_id_dispatched_at_idx" ON "assignments"("department_id", "dispatched_at");
CREATE INDEX "extension_requests_ticket_id_idx" ON "extension_requests"("ticket_id");
CREATE INDEX "extension_requests_status_idx" ON "extension_requests"("status");
CREATE INDEX "callbacks_ticket_id_idx" ON "callbacks"("ticket_id");
CREATE INDEX "audit_log_ticket_id_idx" ON "audit_log"("ticket_id");
CREATE INDEX "calendar_days_year_idx" ON "calendar_days"("year");

-- AddForeignKey
ALTER TABLE "departments" ADD CONSTRAINT "departments_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "users" ADD CONSTRAINT "users_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "ticket_events" ADD CONSTRAINT "ticket_events_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "extension_requests" ADD CONSTRAINT "extension_requests_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "callbacks" ADD CONSTRAINT "callbacks_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
