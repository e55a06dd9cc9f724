/**
 * Test support for folding histories without a database: the demo organisation with fixed ids
 * (creation order, as `seedDemo` makes them) and simple calendar-clock policies. Used by pure
 * tests only.
 */
import { demoDepartments } from "../../prisma/demo-org.ts";
import { DepartmentTree } from "../org/department-tree.ts";
import { defaultCalendar } from "../sla/calendar.ts";
import type { SlaPolicyData } from "../sla/deadlines.ts";
import { DEFAULT_POLICY_CODE, SlaSnapshot } from "../sla/sla.service.ts";
import { DEFAULT_ESCALATION } from "../sla/timer-plan.ts";
import { type FoldEnv, foldEnv } from "./history.ts";

const DEMO = demoDepartments();
export const DEPT: Record<string, number> = Object.fromEntries(DEMO.map((d, i) => [d.code, i + 1]));

export function demoTree(): DepartmentTree {
  const nodes: ConstructorParameters<typeof DepartmentTree>[0] = [];
  for (const d of DEMO) {
    const id = DEPT[d.code] as number;
    const parent = d.parentCode ? nodes.find((n) => n.code === d.parentCode) : undefined;
    nodes.push({
      id,
      code: d.code,
      name: d.code,
      nameEn: null,
      parentId: parent?.id ?? null,
      path: DepartmentTree.childPath(parent, id),
    });
  }
  return new DepartmentTree(nodes);
}

/** Sign within 4 h, first response 1 day, resolve 5 days, call back 2 days, on the calendar clock. */
export const SIMPLE_POLICY: SlaPolicyData = {
  signWithin: "PT4H",
  firstResponseWithin: "PT24H",
  resolveWithin: "PT120H",
  callbackWithin: "PT48H",
  clock: "calendar",
};

export function simpleSla(): SlaSnapshot {
  return new SlaSnapshot(
    new Map(
      (["normal", "urgent", "critical"] as const).map((u) => [`${DEFAULT_POLICY_CODE}/${u}`, SIMPLE_POLICY]),
    ),
    defaultCalendar(),
  );
}

export const TEST_ENV: FoldEnv = foldEnv(demoTree(), simpleSla(), DEFAULT_ESCALATION);
