/**
 * Login throttling (README "Login throttling"). Decided before the password is checked, so a
 * refusal says nothing about the password. Three counters:
 *
 * - **per client address**, across usernames: `addressFailures` failed logins within `windowMs`,
 *   then every untrusted login from that address waits until the oldest failure leaves the
 *   window (password spraying);
 * - **per username**, across addresses: `usernameFreeFailures` free failures, then each further
 *   attempt waits `usernameBaseDelayMs`, doubling per failure up to `usernameMaxDelayMs` after
 *   the last one (guessing one account from many addresses). A backoff rather than a lock: at
 *   the cap it still admits one attempt per `usernameMaxDelayMs`, and `usernameForgetMs`
 *   without a failure forgets it (longer than the cap, so waiting out the cap earns no free
 *   failures);
 * - **per known device**: a browser that logged in as the user before presents a signed device
 *   cookie (device-cookie.ts) and skips both counters above, so nobody else — not even from the
 *   same proxy address — can lock the user out of the devices they use. Its own failures count
 *   against the device: after `deviceFailures` within `windowMs` it is treated as unknown.
 *
 * Failures are counted when an attempt begins (and undone when it succeeds), so attempts sent
 * in parallel cannot all slip through before the first one fails. State lives in process
 * memory, bounded by `maxEntries` per counter; each API process throttles on its own.
 */
export interface ThrottlePolicy {
  windowMs: number;
  addressFailures: number;
  usernameFreeFailures: number;
  usernameBaseDelayMs: number;
  usernameMaxDelayMs: number;
  usernameForgetMs: number;
  deviceFailures: number;
  maxEntries: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  windowMs: 15 * 60_000,
  addressFailures: 30,
  usernameFreeFailures: 10,
  usernameBaseDelayMs: 15_000,
  usernameMaxDelayMs: 15 * 60_000,
  usernameForgetMs: 60 * 60_000,
  deviceFailures: 10,
  maxEntries: 50_000,
};

export interface LoginAttempt {
  address: string;
  username: string;
  /** The id of a valid device cookie issued for this username, if the client presented one. */
  device: string | null;
}

/** Refused: wait this long. Admitted: report the outcome once the password is checked. */
export type ThrottleDecision = { waitMs: number } | { waitMs: 0; done(succeeded: boolean): void };

interface Backoff {
  failures: number;
  last: number;
}

export class LoginThrottle {
  private readonly addresses = new Map<string, number[]>();
  private readonly usernames = new Map<string, Backoff>();
  private readonly devices = new Map<string, Backoff>();

  constructor(
    readonly policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  begin(attempt: LoginAttempt): ThrottleDecision {
    const now = this.now();
    const device = attempt.device !== null ? this.deviceTrusted(attempt.device, now) : false;
    if (device) {
      const d = this.bump(this.devices, attempt.device as string, now, this.policy.windowMs);
      return {
        waitMs: 0,
        done: (ok) => {
          if (ok) this.devices.delete(attempt.device as string);
          else d.last = this.now();
        },
      };
    }
    const wait = Math.max(this.addressWait(attempt.address, now), this.usernameWait(attempt.username, now));
    if (wait > 0) return { waitMs: wait };
    const times = this.addresses.get(attempt.address) ?? [];
    times.push(now);
    this.remember(this.addresses, attempt.address, times);
    const u = this.bump(this.usernames, attempt.username, now, this.policy.usernameForgetMs);
    return {
      waitMs: 0,
      done: (ok) => {
        if (ok) {
          const i = times.lastIndexOf(now);
          if (i >= 0) times.splice(i, 1);
          this.usernames.delete(attempt.username);
        } else u.last = this.now();
      },
    };
  }

  private addressWait(address: string, now: number): number {
    const { windowMs, addressFailures } = this.policy;
    const times = this.addresses.get(address);
    if (!times) return 0;
    while (times.length && (times[0] as number) <= now - windowMs) times.shift();
    if (!times.length) this.addresses.delete(address);
    if (times.length < addressFailures) return 0;
    return (times[times.length - addressFailures] as number) + windowMs - now;
  }

  private usernameWait(username: string, now: number): number {
    const { usernameFreeFailures, usernameBaseDelayMs, usernameMaxDelayMs } = this.policy;
    const b = this.current(this.usernames, username, now, this.policy.usernameForgetMs);
    if (!b || b.failures < usernameFreeFailures) return 0;
    const delay = Math.min(
      usernameBaseDelayMs * 2 ** (b.failures - usernameFreeFailures),
      usernameMaxDelayMs,
    );
    return Math.max(0, b.last + delay - now);
  }

  private deviceTrusted(device: string, now: number): boolean {
    const b = this.current(this.devices, device, now, this.policy.windowMs);
    return (b?.failures ?? 0) < this.policy.deviceFailures;
  }

  /** The entry, or undefined once `forgetMs` has passed since its last failure. */
  private current(
    map: Map<string, Backoff>,
    key: string,
    now: number,
    forgetMs: number,
  ): Backoff | undefined {
    const b = map.get(key);
    if (b && now - b.last >= forgetMs) {
      map.delete(key);
      return undefined;
    }
    return b;
  }

  private bump(map: Map<string, Backoff>, key: string, now: number, forgetMs: number): Backoff {
    const b = this.current(map, key, now, forgetMs) ?? { failures: 0, last: now };
    b.failures++;
    b.last = now;
    this.remember(map, key, b);
    return b;
  }

  /** Inserts as the newest entry; beyond `maxEntries` the oldest-touched entry goes. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.policy.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
