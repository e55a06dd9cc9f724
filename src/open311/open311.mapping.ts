import type { CategoryRow } from "../org/org.service.ts";
import type { TicketView } from "../tickets/ticket.view.ts";

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

/** Public view: no citizen name or phone; confidential tickets never leave through here. */
export function toRequest(t: TicketView, agencyName: string | null) {
  return {
    service_request_id: t.number,
    status: CLOSED.has(t.status) ? ("closed" as const) : ("open" as const),
    status_notes: t.status,
    service_name: t.categoryName,
    service_code: t.categoryCode,
    description: t.description,
    agency_responsible: agencyName,
    service_notice: null,
    requested_datetime: t.createdAt,
    updated_datetime: t.updatedAt,
    expected_datetime: t.dueAt,
    address: t.address,
    address_id: null,
    zipcode: null,
    lat: t.lat,
    long: t.lng,
    media_url: null,
  };
}
