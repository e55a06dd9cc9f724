import type { CoreServices } from "../system.ts";
import type { TicketChange } from "../tickets/ticket.service.ts";

/** Schedules deadline timers on BullMQ from ticket changes. (Filled in by the SLA timers work.) */
export class TimerScheduler {
  constructor(readonly core: CoreServices) {}
  async onTicketChange(_change: TicketChange): Promise<void> {}
}
