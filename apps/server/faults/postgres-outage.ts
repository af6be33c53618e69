/**
 * A private PostgreSQL stopped, then frozen (SIGSTOP of every one of its processes, as a hung host
 * or a network partition looks), for OUTAGE_SECONDS each (default 8), under a load of reads and
 * writes: the server must answer 503 SERVICE_UNAVAILABLE with Retry-After (never a 500, never a
 * hang past its timeouts), /readyz within a second, and recover by itself; no acknowledged write lost.
 *
 *   node apps/server/faults/postgres-outage.ts
 */
import { migrateDatabaseAt } from '@strictops/db';
import { startPrivatePostgres } from '../test/private-services.ts';
import {
  type Account,
  freePort,
  me,
  type Outcome,
  report,
  signUp,
  sleep,
  startServer,
  tally,
  verdict,
  verifyAccounts,
  waitReady,
} from './lib.ts';

/** A request's outcome, with when it started relative to the fault (ms; negative: before it). */
type Timed = Outcome & { at: number; kind: 'sign-up' | 'me' };

const outageMs = Number(process.env.OUTAGE_SECONDS ?? 8) * 1000;
const pg = await startPrivatePostgres();
let ok = true;
try {
  await migrateDatabaseAt(pg.url);
  const server = startServer({ DATABASE_URL: pg.url }, { port: await freePort() });
  await waitReady(server);
  const reader = (await signUp(server.url, 'pg-reader')).account as Account;

  for (const fault of ['stopped', 'frozen'] as const) {
    const outcomes: Timed[] = [];
    const written: Account[] = [];
    let faultAt = Number.POSITIVE_INFINITY;
    let running = true;
    const loops = Array.from({ length: 8 }, async (_, i) => {
      while (running) {
        const at = performance.now() - faultAt;
        if (i % 2 === 0) {
          const { outcome, account } = await signUp(server.url, `pg-${fault}`);
          outcomes.push({ ...outcome, at, kind: 'sign-up' });
          if (account) written.push(account);
        } else outcomes.push({ ...(await me(server.url, reader)), at, kind: 'me' });
        await sleep(20);
      }
    });
    await sleep(1000);
    faultAt = performance.now();
    if (fault === 'stopped') await pg.stop();
    else pg.freeze();
    const faultTook = performance.now() - faultAt;
    await sleep(outageMs / 2);
    const readyStarted = performance.now();
    const ready = await fetch(`${server.url}/readyz`);
    const readyMs = performance.now() - readyStarted;
    const healthy = (await fetch(`${server.url}/healthz`)).status;
    await sleep(outageMs / 2);
    const back = performance.now();
    if (fault === 'stopped') await pg.start();
    else pg.thaw();
    let recoveredMs = -1;
    while (performance.now() - back < 30_000) {
      if ((await me(server.url, reader)).status === 200) {
        recoveredMs = performance.now() - back;
        break;
      }
      await sleep(100);
    }
    await sleep(1000);
    running = false;
    await Promise.all(loops);
    const outage = outcomes.filter((o) => o.at + o.ms >= 0);
    const check = await verifyAccounts(server.url, written);
    const counts = tally(outage);
    report(`PostgreSQL ${fault} for ${outageMs / 1000} s`, {
      outcomesFromTheOutageOn: counts.byStatus,
      slowestMs: counts.slowestMs,
      slowest: [...outage]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((o) => `${o.kind} ${o.status} in ${Math.round(o.ms)} ms, started at ${Math.round(o.at)} ms`),
      faultTookMs: Math.round(faultTook),
      readyz: `${ready.status} in ${Math.round(readyMs)} ms`,
      healthz: healthy,
      recoveredAfterMs: Math.round(recoveredMs),
      acknowledgedWrites: written.length,
      lost: check.lost.length,
    });
    const fiveHundreds = outage.filter((o) => o.status >= 500 && o.status !== 503).length;
    // /readyz's own deadline is 900 ms; the margin is for a busy machine's scheduling.
    ok &&= fiveHundreds === 0 && !outage.some((o) => o.status === 0) && ready.status === 503 && readyMs < 1500;
    ok &&= recoveredMs >= 0 && check.lost.length === 0 && outage.some((o) => o.status === 503);
  }
  server.child.kill('SIGTERM');
  await server.exited;
} finally {
  await pg.destroy();
}
verdict(
  ok,
  'PostgreSQL stopped and frozen: 503s within the timeouts, /readyz within a second, recovery without a restart, nothing lost',
);
