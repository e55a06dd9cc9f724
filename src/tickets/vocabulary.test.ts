/**
 * The vocabulary is said once (vocabulary.ts) and matches the machine: every state and
 * event the machine has is in it, labelled in both languages; its state groups are the
 * ones the machine's behaviour implies; and the browser receives exactly this data.
 */
import { describe, expect, it } from "vitest";
import { TicketStatus as DbTicketStatus } from "../generated/prisma/enums.ts";
import * as machine from "./ticket.machine.ts";
import { applyEvent, initialContext, ROLE_EVENTS, ticketMachine } from "./ticket.machine.ts";
import { vocabularyModule } from "./vocabulary.routes.ts";
import * as vocabulary from "./vocabulary.ts";
import {
  EVENT_LABELS,
  EVENT_TYPES,
  LANGS,
  OPEN_STATES,
  RECORDED_EVENT_LABELS,
  RECORDED_EVENT_TYPES,
  RESOLVING_STATES,
  STATE_LABELS,
  TICKET_STATES,
  TIMED_STATES,
  TIMER_EVENT_TYPES,
  type TicketState,
  USER_EVENT_TYPES,
} from "./vocabulary.ts";

const stateNodes = ticketMachine.root.states;
/** The event types a state node (or the root, for events valid in every state) has transitions for. */
const eventsOf = (node: { transitions: Map<string, unknown> } | undefined): string[] => {
  if (!node) throw new Error("no such state node");
  return [...node.transitions.keys()];
};
const machineStates = Object.keys(stateNodes);
const machineEvents = new Set([ticketMachine.root, ...Object.values(stateNodes)].flatMap(eventsOf));
const sorted = (xs: Iterable<string>) => [...xs].sort();
/** `group` lists the states for which `holds` is true, in TICKET_STATES order. */
const expectGroup = (group: readonly TicketState[], holds: (s: TicketState) => boolean) =>
  expect(group).toEqual(TICKET_STATES.filter(holds));

describe("the vocabulary and the machine", () => {
  it("has exactly the machine's states, in its order", () => {
    expect(machineStates).toEqual([...TICKET_STATES]);
  });

  it("has exactly the database's TicketStatus enum (prisma/schema.prisma)", () => {
    expect(sorted(Object.values(DbTicketStatus))).toEqual(sorted(TICKET_STATES));
  });

  it("has exactly the event types the machine has transitions for", () => {
    expect(sorted(machineEvents)).toEqual(sorted(EVENT_TYPES));
  });

  it("labels every state the machine has in both languages", () => {
    for (const state of machineStates) {
      const label = STATE_LABELS[state as TicketState];
      expect(label, state).toBeDefined();
      for (const lang of LANGS) expect(label?.[lang]?.trim(), `${state} ${lang}`).toBeTruthy();
    }
    expect(sorted(Object.keys(STATE_LABELS))).toEqual(sorted(TICKET_STATES));
  });

  it("labels every event type the machine has, and the history's CREATE, in both languages", () => {
    for (const type of [...machineEvents, "CREATE"]) {
      const label = RECORDED_EVENT_LABELS[type as keyof typeof RECORDED_EVENT_LABELS];
      expect(label, type).toBeDefined();
      for (const lang of LANGS) expect(label?.[lang]?.trim(), `${type} ${lang}`).toBeTruthy();
    }
    expect(sorted(Object.keys(EVENT_LABELS))).toEqual(sorted(EVENT_TYPES));
    expect(sorted(Object.keys(RECORDED_EVENT_LABELS))).toEqual(sorted(RECORDED_EVENT_TYPES));
    for (const type of EVENT_TYPES) expect(RECORDED_EVENT_LABELS[type]).toEqual(EVENT_LABELS[type]);
  });

  it("tells states apart, and events apart, in each language", () => {
    for (const lang of LANGS) {
      const states = Object.values(STATE_LABELS).map((l) => l[lang]);
      const events = Object.values(EVENT_LABELS).map((l) => l[lang]);
      expect(new Set(states).size, lang).toBe(states.length);
      expect(new Set(events).size, lang).toBe(events.length);
    }
  });

  it("splits the event types into user events and the system's timer events", () => {
    expect(sorted([...USER_EVENT_TYPES, ...TIMER_EVENT_TYPES])).toEqual(sorted(EVENT_TYPES));
    expect(USER_EVENT_TYPES.filter((t) => (TIMER_EVENT_TYPES as readonly string[]).includes(t))).toEqual([]);
    // Only the system sends timer events, and it sends nothing else but SUPERVISE (escalation).
    expect(sorted(ROLE_EVENTS.system)).toEqual(sorted(["SUPERVISE", ...TIMER_EVENT_TYPES]));
  });

  it("open states: those in which the machine accepts URGE (the ticket is open)", () => {
    const urge = (status: TicketState) =>
      applyEvent(
        { status, context: initialContext() },
        {
          type: "URGE",
          actor: { role: "manager", userId: 1, relation: "none" },
          at: "2026-11-30T00:00:00.000Z",
          note: "请尽快办理",
        },
      ).ok;
    expectGroup(OPEN_STATES, urge);
  });

  it("timed states: those whose own transitions include a timer event", () => {
    expectGroup(TIMED_STATES, (s) =>
      eventsOf(stateNodes[s]).some((t) => (TIMER_EVENT_TYPES as readonly string[]).includes(t)),
    );
    expect(TIMED_STATES.every((s) => OPEN_STATES.includes(s))).toBe(true);
  });

  it("resolving states: those in which the resolution timers apply", () => {
    for (const type of ["RESOLVE_WARNING", "RESOLVE_OVERDUE"])
      expectGroup(RESOLVING_STATES, (s) => eventsOf(stateNodes[s]).includes(type));
  });

  it("the machine re-exports the vocabulary's own lists and labels, not copies", () => {
    const pairs: [string, unknown, unknown][] = [
      ["TICKET_STATES", machine.TICKET_STATES, vocabulary.TICKET_STATES],
      ["OPEN_STATES", machine.OPEN_STATES, vocabulary.OPEN_STATES],
      ["STATE_LABELS", machine.STATE_LABELS, vocabulary.STATE_LABELS],
      ["EVENT_TYPES", machine.EVENT_TYPES, vocabulary.EVENT_TYPES],
      ["TIMER_EVENT_TYPES", machine.TIMER_EVENT_TYPES, vocabulary.TIMER_EVENT_TYPES],
      ["USER_EVENT_TYPES", machine.USER_EVENT_TYPES, vocabulary.USER_EVENT_TYPES],
      ["EVENT_LABELS", machine.EVENT_LABELS, vocabulary.EVENT_LABELS],
    ];
    for (const [name, fromMachine, fromVocabulary] of pairs) expect(fromMachine, name).toBe(fromVocabulary);
  });
});

describe("the vocabulary served to the browser (/js/vocabulary.js)", () => {
  it("exports every export of vocabulary.ts with the same data", async () => {
    const source = vocabularyModule();
    const served = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);
    expect(sorted(Object.keys(served))).toEqual(sorted(Object.keys(vocabulary)));
    for (const [name, value] of Object.entries(vocabulary)) expect(served[name], name).toEqual(value);
  });

  it("refuses an export the browser could not receive whole", () => {
    expect(() => vocabularyModule({ LABELS: { a: "x" }, label: () => "x" })).toThrow(/label/);
    expect(() => vocabularyModule({ WHEN: new Date(0) })).toThrow(/WHEN/);
    expect(() => vocabularyModule({ NESTED: { a: undefined } })).toThrow(/NESTED/);
  });

  it("the web dictionaries no longer restate state or event labels", async () => {
    for (const lang of LANGS) {
      const url = new URL(`../../web/js/i18n/${lang}.js`, import.meta.url).href;
      const dict: Record<string, string> = (await import(url)).default;
      expect(
        Object.keys(dict).filter((k) => /^(state|event)\./.test(k)),
        lang,
      ).toEqual([]);
    }
  });
});
