import { afterEach, describe, expect, it, vi } from "vitest";
import { Cached, CachedMap } from "./cached.ts";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("CachedMap", () => {
  afterEach(() => vi.useRealTimers());

  it("callers arriving while a read is in flight share it: one read, not one per caller", async () => {
    const read = deferred<string>();
    const load = vi.fn(() => read.promise);
    const cache = new CachedMap(load, 1000);
    const callers = Array.from({ length: 50 }, () => cache.get(1));
    read.resolve("one");
    expect(await Promise.all(callers)).toEqual(Array(50).fill("one"));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("keeps a value for ttlMs, then reads again", async () => {
    vi.useFakeTimers({ now: 0 });
    let n = 0;
    const cache = new CachedMap(async (k: string) => `${k}${++n}`, 1000);
    expect(await cache.get("a")).toBe("a1");
    vi.setSystemTime(999);
    expect(await cache.get("a")).toBe("a1");
    vi.setSystemTime(1000);
    expect(await cache.get("a")).toBe("a2");
    expect(await cache.get("b")).toBe("b3");
  });

  it("a failed read is not kept: the next caller reads again", async () => {
    let fail = true;
    const cache = new CachedMap(async () => {
      if (fail) throw new Error("database away");
      return "back";
    }, 1000);
    await expect(cache.get(1)).rejects.toThrow("database away");
    fail = false;
    expect(await cache.get(1)).toBe("back");
  });

  it("clear() forgets the value, and a read that raced the change is not kept", async () => {
    const reads = [deferred<string>(), deferred<string>()];
    let i = 0;
    const cache = new CachedMap(() => (reads[i++] as ReturnType<typeof deferred<string>>).promise, 60_000);
    const stale = cache.get(7);
    cache.clear(7); // the user changed while the old row was being read
    reads[0]?.resolve("before");
    expect(await stale).toBe("before"); // its caller gets what it asked for...
    const fresh = cache.get(7); // ...but the next caller reads again
    reads[1]?.resolve("after");
    expect(await fresh).toBe("after");
    expect(await cache.get(7)).toBe("after");
    expect(i).toBe(2);
  });
});

describe("Cached", () => {
  it("is one shared value", async () => {
    const load = vi.fn(async () => [1, 2, 3]);
    const cache = new Cached(load, 1000);
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    cache.clear();
    await cache.get();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
