import {
  arg,
  benchDatabase,
  fmt,
  percentile,
  rawPgTransactionsPerSecond,
  startBenchSystem,
} from "./common.ts";

/**
 * A full ticket life over HTTP (create, dispatch, sign, reply, approve, dissatisfied
 * callback, reply, approve, satisfied callback: 9 requests, 8 events), first one at a time
 * for latency, then from concurrent loops for throughput, against raw PostgreSQL write
 * transactions per second measured in the same run.
 */
export async function runLifecycleBench(opts: { adminUrl: string; lifecycles: number; concurrency: number }) {
  const { system, login } = await startBenchSystem(opts.adminUrl, "hotline_bench_lifecycle");
  const url = system.services.databaseUrl;
  const [agent, handler, reviewer] = await Promise.all(["agent1", "handler1", "reviewer1"].map(login));
  const dongcheng = (await system.services.db.department.findUniqueOrThrow({ where: { code: "dongcheng" } }))
    .id;
  const call = async (token: string | undefined, path: string, body: unknown) => {
    const res = await fetch(`${system.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path} ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: number; status: string };
  };
  const life = async (i: number) => {
    const t = await call(agent, "/api/v1/tickets", {
      channel: "phone",
      citizenName: "市民",
      citizenPhone: "13800000000",
      categoryCode: "noise",
      urgency: "normal",
      title: `噪声 ${i}`,
      description: "夜间施工",
    });
    const ev = (token: string | undefined, body: Record<string, unknown>) =>
      call(token, `/api/v1/tickets/${t.id}/events`, body);
    await ev(agent, { type: "DISPATCH", departmentId: dongcheng });
    await ev(handler, { type: "SIGN" });
    await ev(handler, { type: "REPLY", result: "已处理", outcome: "resolved" });
    await ev(reviewer, { type: "APPROVE_REPLY" });
    await ev(agent, { type: "CALLBACK", rating: "dissatisfied", resolved: false });
    await ev(handler, { type: "REPLY", result: "已再次处理", outcome: "resolved" });
    await ev(reviewer, { type: "APPROVE_REPLY" });
    const last = await ev(agent, { type: "CALLBACK", rating: "satisfied", resolved: true });
    if (last.status !== "closed") throw new Error("lifecycle did not close");
  };

  for (let i = 0; i < 5; i++) await life(-i); // warm-up
  const durations: number[] = [];
  for (let i = 0; i < opts.lifecycles; i++) {
    const t0 = performance.now();
    await life(i);
    durations.push(performance.now() - t0);
  }
  durations.sort((a, b) => a - b);

  const baselineTps = await rawPgTransactionsPerSecond(url, opts.concurrency);
  let done = 0;
  const seconds = 10;
  const until = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, w) => {
      let i = 0;
      while (Date.now() < until) {
        await life(100_000 + w * 100_000 + i++);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const lifecyclesPerSecond = done / elapsed;
  const eventsPerSecond = lifecyclesPerSecond * 9;
  await system.stop();

  console.log("\n== Ticket lifecycle over HTTP (9 requests: create + 8 events) ==");
  console.log(
    `one at a time (${opts.lifecycles} lifecycles): p50 ${fmt(percentile(durations, 50))} ms, p95 ${fmt(percentile(durations, 95))} ms, max ${fmt(durations[durations.length - 1] ?? Number.NaN)} ms`,
  );
  console.log(
    `${opts.concurrency} concurrent loops for ${seconds} s: ${fmt(lifecyclesPerSecond)} lifecycles/s = ${fmt(eventsPerSecond)} writes/s`,
  );
  console.log(
    `baseline: raw PostgreSQL write transactions (UPDATE+INSERT) from ${opts.concurrency} connections: ${fmt(baselineTps)} tx/s`,
  );
  console.log(`ratio: API writes/s ÷ raw tx/s = ${fmt(eventsPerSecond / baselineTps, 3)}`);
  console.log(
    `capacity: ${fmt(lifecyclesPerSecond * 86400, 0)} full lifecycles/day vs the largest city's ~65,000 tickets/day`,
  );
  return { p50: percentile(durations, 50), lifecyclesPerSecond, baselineTps };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const db = await benchDatabase();
  await runLifecycleBench({
    adminUrl: db.adminUrl,
    lifecycles: Number(arg("lifecycles", "100")),
    concurrency: Number(arg("concurrency", "8")),
  });
  await db.stop();
  process.exit(0);
}
