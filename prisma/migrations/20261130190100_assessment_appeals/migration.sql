-- Monthly assessment (三率考核) and appeals (申诉/核减), issue 13. See src/stats/assessment.ts
-- for the definitions and README "Assessment" for the rules.

-- Peer groups: a department is ranked within its one group.
CREATE TABLE assessment_groups (
  id         serial PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX assessment_groups_name_key ON assessment_groups (name);

CREATE TABLE assessment_group_members (
  department_id integer PRIMARY KEY REFERENCES departments (id),
  group_id      integer NOT NULL REFERENCES assessment_groups (id) ON DELETE CASCADE
);
CREATE INDEX assessment_group_members_group_id_idx ON assessment_group_members (group_id);

-- A closed period, frozen: its assessed tickets as they were when it closed. Later events never
-- change these rows; an accepted appeal adjusts the period's figures without touching them.
CREATE TABLE assessment_periods (
  period    text PRIMARY KEY,
  from_day  date NOT NULL,
  to_day    date NOT NULL,
  frozen_at timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE assessment_snapshot (
  period        text NOT NULL REFERENCES assessment_periods (period),
  ticket_id     integer NOT NULL,
  department_id integer NOT NULL,
  callback_id   integer NOT NULL,
  callback_at   timestamptz(3) NOT NULL,
  rating        "CallbackRating" NOT NULL,
  resolved      boolean,
  contacted     boolean,
  overdue       boolean NOT NULL,
  PRIMARY KEY (period, ticket_id)
);
CREATE INDEX assessment_snapshot_period_department_id_idx ON assessment_snapshot (period, department_id);

CREATE TYPE "AppealGround" AS ENUM ('rating', 'resolved', 'contacted', 'overdue');
CREATE TYPE "AppealStatus" AS ENUM ('pending', 'accepted', 'rejected');

-- An appeal against one ground of a ticket's assessed callback; accepted = 核减 of that ground
-- for that department in that period (the adjustment).
CREATE TABLE appeals (
  id              serial PRIMARY KEY,
  ticket_id       integer NOT NULL REFERENCES tickets (id),
  department_id   integer NOT NULL REFERENCES departments (id),
  callback_id     integer NOT NULL REFERENCES callbacks (id),
  period          text NOT NULL,
  ground          "AppealGround" NOT NULL,
  reason          text NOT NULL,
  evidence        text,
  status          "AppealStatus" NOT NULL DEFAULT 'pending',
  filed_by_id     integer NOT NULL REFERENCES users (id),
  filed_at        timestamptz(3) NOT NULL DEFAULT now(),
  decided_by_id   integer REFERENCES users (id),
  decided_at      timestamptz(3),
  decision_reason text
);
CREATE UNIQUE INDEX appeals_ticket_id_ground_key ON appeals (ticket_id, ground);
CREATE INDEX appeals_status_id_idx ON appeals (status, id);
CREATE INDEX appeals_period_department_id_idx ON appeals (period, department_id);

-- The assessment reads one period's callbacks.
CREATE INDEX callbacks_at_idx ON callbacks (at);
