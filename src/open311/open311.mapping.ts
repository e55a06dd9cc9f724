import type { CategoryRow } from "../org/org.service.ts";

/** GeoReport v2 shapes (schemas in test/fixtures/open311) from our categories and tickets. */
export function toService(c: CategoryRow) {
  return {
    service_code: c.code,
    service_name: c.name,
    description: c.nameEn,
    metadata: true,
    type: "realtime" as const,
    keywords: c.nameEn ? `${c.name},${c.nameEn}` : c.name,
    group: null,
  };
}

export function toServiceDefinition(c: CategoryRow) {
  return {
    service_code: c.code,
    attributes: [
      {
        variable: true,
        code: "urgency",
        datatype: "singlevaluelist" as const,
        required: false,
        datatype_description: "紧急程度 / urgency",
        order: 1,
        description: "紧急程度 Urgency",
        values: [
          { key: "normal", name: "一般 normal" },
          { key: "urgent", name: "紧急 urgent" },
          { key: "critical", name: "特急 critical" },
        ],
      },
    ],
  };
}

const CLOSED = new Set(["closed", "merged"]);

/** GeoReport's limit on a request's description. */
const DESCRIPTION_MAX = 4000;

/** The columns a public read selects: nothing that names or reaches the citizen. */
export const PUBLIC_TICKET_SELECT = {
  number: true,
  status: true,
  categoryId: true,
  departmentId: true,
  description: true,
  publicSummary: true,
  open311KeyId: true,
  address: true,
  lat: true,
  lng: true,
  dueAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

export interface PublicTicket {
  number: string;
  status: string;
  description: string;
  publicSummary: string | null;
  /** Set when an Open311 partner reported the ticket. */
  open311KeyId: number | null;
  address: string | null;
  lat: number | null;
  lng: number | null;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A public ticket as a GeoReport request. Never the citizen's name or phone. What the citizen
 * sent a partner (description, address, position) was written for a public service and is shown;
 * a ticket from another channel was written down by the hotline, so only the summary the agent
 * wrote when publishing it is shown, and no address or position.
 */
export function toRequest(
  t: PublicTicket,
  category: { code: string; name: string } | undefined,
  agencyName: string | null,
) {
  const fromPartner = t.open311KeyId !== null;
  const description = t.publicSummary ?? (fromPartner ? t.description : null);
  return {
    service_request_id: t.number,
    status: CLOSED.has(t.status) ? ("closed" as const) : ("open" as const),
    status_notes: t.status,
    service_name: category?.name ?? null,
    service_code: category?.code ?? "",
    description: description?.slice(0, DESCRIPTION_MAX) ?? null,
    agency_responsible: agencyName,
    service_notice: null,
    requested_datetime: t.createdAt.toISOString(),
    updated_datetime: t.updatedAt.toISOString(),
    expected_datetime: t.dueAt?.toISOString() ?? null,
    address: fromPartner ? t.address : null,
    address_id: null,
    zipcode: null,
    lat: fromPartner ? t.lat : null,
    long: fromPartner ? t.lng : null,
    media_url: null,
  };
}
