import type { CoreServices } from "../system.ts";
import type { TicketChange } from "../tickets/ticket.service.ts";

/** Keeps the stats rollups current and answers the stats API. (Filled in by the analytics work.) */
export class StatsService {
  constructor(readonly core: CoreServices) {}
  async onTicketChange(_change: TicketChange): Promise<void> {}
}
