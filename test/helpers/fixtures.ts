import type { ApiClient } from "./system.ts";

export type TicketBody = Record<string, unknown> & {
  id: number;
  status: string;
  version: number;
  allowedEvents: string[];
};

let seq = 0;
export async function createTicket(
  agent: ApiClient,
  overrides: Record<string, unknown> = {},
): Promise<TicketBody> {
  seq++;
  const res = await agent.post<TicketBody>("/api/v1/tickets", {
    channel: "phone",
    citizenName: "王先生",
    citizenPhone: "13812345678",
    address: `和平里东街${seq}号`,
    categoryCode: "noise",
    urgency: "normal",
    title: `夜间施工噪声扰民 ${seq}`,
    description: "小区旁工地每晚十一点后仍在施工，影响休息。",
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const deptCache = new WeakMap<ApiClient, Map<string, number>>();
export async function deptId(client: ApiClient, code: string): Promise<number> {
  let map = deptCache.get(client);
  if (!map) {
    const res = await client.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments");
    map = new Map(res.body.items.map((d) => [d.code, d.id]));
    deptCache.set(client, map);
  }
  const id = map.get(code);
  if (id === undefined) throw new Error(`no department ${code}`);
  return id;
}
