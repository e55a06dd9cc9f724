import { z } from "@hono/zod-openapi";

/**
 * The events' payloads, declared once: the API validates requests with this schema and the
 * machine's event type (ticket.machine.ts `TicketEventPayloads`) is derived from it.
 */
export const RATINGS = ["satisfied", "basically_satisfied", "dissatisfied", "unreachable"] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
/** A row id: PostgreSQL `integer`, so at most 2^31 − 1. */
const id = z.number().int().positive().max(2_147_483_647);
const isoTime = z.string().datetime({ offset: true });

/** Mainland mobile (1xxxxxxxxxx) or a landline with optional area code and extension. */
export const PhoneSchema = z
  .string()
  .trim()
  .regex(/^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$/, "Not a valid phone number");

/** The intake fields an agent may correct (CORRECT), as on creation. */
export const CORRECTABLE_FIELDS = [
  "citizenName",
  "citizenPhone",
  "area",
  "address",
  "categoryCode",
  "urgency",
  "title",
  "description",
] as const;

/** The event vocabulary of DESIGN.md; payloads are validated here, transitions by the machine. */
export const EventInputSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("ANSWER_DIRECTLY"), answer: text(5000) }),
    z.object({
      type: z.literal("DISPATCH"),
      departmentId: id,
      coDepartmentIds: z.array(id).max(20).optional(),
      note: z.string().max(2000).optional(),
    }),
    z.object({ type: z.literal("RECALL"), reason: text(2000) }),
    z.object({ type: z.literal("SIGN") }),
    z.object({ type: z.literal("SUB_DISPATCH"), departmentId: id, note: z.string().max(2000).optional() }),
    z.object({ type: z.literal("REQUEST_RETURN"), reason: text(2000) }),
    z.object({
      type: z.literal("APPROVE_RETURN"),
      departmentId: id.optional(),
      coDepartmentIds: z.array(id).max(20).optional(),
      note: z.string().max(2000).optional(),
    }),
    z.object({ type: z.literal("REJECT_RETURN"), reason: text(2000) }),
    z.object({ type: z.literal("FIRST_RESPONSE"), note: text(2000) }),
    z.object({ type: z.literal("REQUEST_EXTENSION"), until: isoTime, reason: text(2000) }),
    z.object({ type: z.literal("APPROVE_EXTENSION"), reason: z.string().max(2000).optional() }),
    z.object({ type: z.literal("REJECT_EXTENSION"), reason: z.string().max(2000).optional() }),
    z.object({ type: z.literal("ASSIST_REPLY"), note: text(5000) }),
    z.object({
      type: z.literal("REPLY"),
      result: text(5000),
      outcome: z.enum(["resolved", "explained", "unresolvable"]),
    }),
    z.object({ type: z.literal("APPROVE_REPLY"), note: z.string().max(2000).optional() }),
    z.object({ type: z.literal("REJECT_REPLY"), reason: text(2000) }),
    z
      .object({
        type: z.literal("CALLBACK"),
        rating: z.enum(RATINGS),
        resolved: z.boolean().optional(),
        /** 响应: did the handling unit contact the citizen? Absent = not asked (counts in neither term of 响应率). */
        contacted: z.boolean().optional(),
        note: z.string().max(2000).optional(),
      })
      .refine((v) => v.rating === "unreachable" || v.resolved !== undefined, {
        message: "resolved is required for a rated callback",
        path: ["resolved"],
      }),
    z.object({ type: z.literal("REOPEN"), reason: text(2000) }),
    z.object({
      type: z.literal("SUPERVISE"),
      level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      note: text(2000),
    }),
    z.object({ type: z.literal("URGE"), note: text(2000) }),
    z.object({ type: z.literal("MERGE"), intoTicketId: id }),
    z.object({ type: z.literal("COMMENT"), note: text(5000) }),
    /**
     * Shows (`public: true`) or hides the ticket in Open311's public reads. `summary` is the text
     * shown there, written for the public (no names, numbers or home addresses); required unless
     * the ticket came from an Open311 partner, whose own description is public already.
     */
    z.object({ type: z.literal("PUBLISH"), public: z.boolean(), summary: text(2000).optional() }),
    /**
     * Corrects what was registered (a misheard phone number, the wrong category, area or
     * urgency); at least one field. Deadlines stay: they are set at dispatch from the category
     * and urgency in force then (ticket.decide.ts).
     */
    z
      .object({
        type: z.literal("CORRECT"),
        citizenName: text(50).optional(),
        citizenPhone: PhoneSchema.optional(),
        area: z.string().trim().max(50).nullable().optional(),
        address: z.string().trim().max(300).nullable().optional(),
        categoryCode: text(50).optional(),
        urgency: z.enum(["normal", "urgent", "critical"]).optional(),
        title: text(200).optional(),
        description: text(5000).optional(),
        note: z.string().max(2000).optional(),
      })
      .refine((v) => CORRECTABLE_FIELDS.some((f) => v[f] !== undefined), {
        message: "Give at least one field to correct",
        path: ["title"],
      }),
  ])
  .openapi("TicketEventInput");
export type EventInput = z.infer<typeof EventInputSchema>;
