import { z } from "@hono/zod-openapi";
import { FIGURES } from "../stats/drill.ts";
import { PhoneSchema, RATINGS } from "./ticket.events.ts";
import { TICKET_STATES } from "./ticket.machine.ts";

export const CHANNELS = [
  "phone",
  "web",
  "app",
  "wechat",
  "sms",
  "email",
  "open311",
  "upstream",
  "other",
] as const;
export const URGENCIES = ["normal", "urgent", "critical"] as const;
export const STATUSES = TICKET_STATES;

const text = (max: number) => z.string().trim().min(1).max(max);
const _id = z.number().int().positive();
const _isoTime = z.string().datetime({ offset: true });

export { PhoneSchema } from "./ticket.events.ts";

export const CreateTicketSchema = z
  .object({
    channel: z.enum(CHANNELS),
    citizenName: text(50),
    citizenPhone: PhoneSchema,
    confidential: z.boolean().optional(),
    address: z.string().trim().max(300).nullish(),
    area: z.string().trim().max(50).nullish(),
    lat: z.number().min(-90).max(90).nullish(),
    lng: z.number().min(-180).max(180).nullish(),
    categoryCode: text(50),
    urgency: z.enum(URGENCIES),
    title: text(200),
    description: text(5000),
    externalRef: z.string().trim().min(1).max(100).nullish(),
  })
  .openapi("CreateTicket");
export type CreateTicketInput = z.infer<typeof CreateTicketSchema>;

export { type EventInput, EventInputSchema, RATINGS } from "./ticket.events.ts";

const nullableTime = z.string().nullable();

export const TicketSchema = z
  .object({
    id: z.number().int(),
    number: z.string(),
    externalRef: z.string().nullable(),
    channel: z.string(),
    status: z.enum(STATUSES),
    version: z.number().int(),
    citizenName: z.string(),
    citizenPhone: z
      .string()
      .openapi({ description: "Masked (138****5678) unless the caller may see it in full" }),
    confidential: z.boolean(),
    public: z.boolean().openapi({ description: "Listed by Open311's public reads (PUBLISH event)" }),
    publicSummary: z
      .string()
      .nullable()
      .openapi({ description: "The text Open311 shows; null = the partner's own description, or none" }),
    address: z.string().nullable(),
    area: z.string().nullable(),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    categoryCode: z.string(),
    categoryName: z.string(),
    urgency: z.enum(URGENCIES),
    title: z.string(),
    description: z.string(),
    departmentId: z.number().int().nullable(),
    coDepartmentIds: z.array(z.number().int()),
    subDepartmentId: z.number().int().nullable(),
    reopenCount: z.number().int(),
    supervisionLevel: z.number().int(),
    dispatchCount: z.number().int(),
    lastRating: z.enum(RATINGS).nullable(),
    lastResolved: z.boolean().nullable(),
    directlyAnswered: z.boolean(),
    mergedIntoId: z.number().int().nullable(),
    deadlineVersion: z.number().int(),
    dispatchedAt: nullableTime,
    signBy: nullableTime,
    firstResponseBy: nullableTime,
    dueAt: nullableTime,
    callbackBy: nullableTime,
    signedAt: nullableTime,
    firstResponseAt: nullableTime,
    firstApprovedReplyAt: nullableTime,
    closedAt: nullableTime,
    createdAt: z.string(),
    updatedAt: z.string(),
    flags: z.record(z.string(), z.boolean()),
    pendingExtension: z.object({ until: z.string(), reason: z.string() }).nullable(),
    approvedExtensions: z.number().int(),
    unreachableCount: z.number().int(),
    assistRepliedDepartmentIds: z.array(z.number().int()),
    lastStep: z
      .object({
        type: z.enum(["REQUEST_RETURN", "REPLY", "REJECT_REPLY", "REQUEST_EXTENSION"]),
        at: z.string(),
        text: z.string().nullable(),
      })
      .nullable()
      .optional()
      .openapi({
        description:
          "Lists only: the latest return request, reply, rejected reply or extension request and its text, for the queues' rows",
      }),
    trafficLight: z
      .enum(["none", "normal", "warning", "overdue"])
      .openapi({ description: "The state of the deadline that matters now" }),
    allowedEvents: z.array(z.string()).openapi({ description: "Events this caller may send now" }),
  })
  .openapi("Ticket");

export const TicketEventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    type: z.string(),
    fromStatus: z.enum(STATUSES).nullable(),
    toStatus: z.enum(STATUSES),
    actorId: z.number().int().nullable(),
    actorName: z.string().nullable(),
    actorRole: z.string(),
    departmentId: z.number().int().nullable(),
    payload: z.record(z.string(), z.unknown()),
    at: z.string(),
  })
  .openapi("TicketEvent");

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v), z.array(item)).optional();

export const ListQuerySchema = z.object({
  status: csv(z.enum(STATUSES)).openapi({ type: "string", description: "Comma-separated statuses" }),
  departmentId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .optional()
    .openapi({ description: "That department and its subtree" }),
  categoryCode: z.string().optional(),
  urgency: z.enum(URGENCIES).optional(),
  overdue: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "Open tickets past dueAt (true) or not (false)" }),
  supervised: z.enum(["true", "false"]).optional(),
  reopened: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "Reopened at least once (重办件) or never" }),
  receivedFrom: z.string().max(40).optional().openapi({
    description: "Received on or after: a date (YYYY-MM-DD, the centre's time zone) or an ISO time",
  }),
  receivedTo: z.string().max(40).optional().openapi({
    description: "Received before (exclusive): a date or an ISO time, like the stats API's `to`",
  }),
  channel: z.enum(CHANNELS).optional(),
  subtree: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`false`: departmentId alone, not its subtree (a ranking row)" }),
  figure: z
    .enum(FIGURES)
    .optional()
    .openapi({
      description:
        "The tickets behind a dashboard figure (src/stats/drill.ts) received in receivedFrom..receivedTo " +
        "(default: the stats API's 30 days); departmentId, categoryCode and channel then attribute as the figure does",
    }),
  total: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true`: also count every match (`total`, at most 50,000)" }),
  q: z.string().trim().max(100).optional().openapi({
    description:
      "Text: a ticket number or phone (8+ digits, exact), else a substring of title, description or address (`%`, `_` literal)",
  }),
  phone: z.string().trim().max(30).optional().openapi({ description: "The citizen's phone, exactly" }),
  queue: z.enum(["review", "extensions", "returns", "callback", "redo"]).optional().openapi({
    description: "Work queues (`redo`: in processing after the hotline rejected the reply, 退回重办)",
  }),
  sort: z.enum(["newest", "deadline", "stage"]).default("newest").openapi({
    description:
      "`newest` first; `deadline`: by the resolution deadline; `stage`: by the deadline of each ticket's stage (signBy while dispatched, callbackBy while awaiting the callback, else dueAt — the one the desk shows), open tickets only",
  }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;
