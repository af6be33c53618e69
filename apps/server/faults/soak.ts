/**
 * A mixed load for SOAK_MINUTES (default 15) on a private PostgreSQL, printing the server's RSS and
 * its JavaScript heap over time. The heap is measured after a full garbage collection (through the
 * inspector, which the server runs on a loopback port for this), so a number that keeps growing
 * is memory the program still holds (a leak), not garbage that has yet to be collected.
 *
 *   node apps/server/faults/soak.ts
 */
import { readFileSync } from 'node:fs';
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
  waitReady,
} from './lib.ts';

const minutes = Number(process.env.SOAK_MINUTES ?? 15);
const sampleEveryMs = Number(process.env.SAMPLE_SECONDS ?? 30) * 1000;
const pg = await startPrivatePostgres();
const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** One Chrome DevTools Protocol command on the server's inspector. */
async function inspect(wsUrl: string, method: string): Promise<Record<string, number>> {
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  const answer = new Promise<Record<string, number>>((resolve) => {
    socket.onmessage = (event) => resolve(JSON.parse(String(event.data)).result);
  });
  socket.send(JSON.stringify({ id: 1, method }));
  const result = await answer;
  socket.close();
  return result;
}

let ok = true;
try {
  await migrateDatabaseAt(pg.url);
  const inspectorPort = await freePort();
  const server = startServer(
    { DATABASE_URL: pg.url, NODE_OPTIONS_EXTRA: `--inspect=127.0.0.1:${inspectorPort}` },
    { port: await freePort() },
  );
  await waitReady(server);
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const wsUrl = (target as { webSocketDebuggerUrl: string }).webSocketDebuggerUrl;
  const sample = async () => {
    await inspect(wsUrl, 'HeapProfiler.collectGarbage');
    const heap = await inspect(wsUrl, 'Runtime.getHeapUsage');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1]) * 1024;
    return { rss, heapAfterGc: heap.usedSize ?? 0 };
  };

  const accounts: Account[] = [];
  while (accounts.length < 40) {
    const { account } = await signUp(server.url, 'soak');
    if (account) accounts.push(account);
  }
  const outcomes: Outcome[] = [];
  let running = true;
  const timed = async (work: () => Promise<Response>) => {
    const started = performance.now();
    try {
      const response = await work();
      await response.body?.cancel();
      outcomes.push({ status: response.status, ms: performance.now() - started });
    } catch (error) {
      outcomes.push({ status: 0, ms: performance.now() - started, error: (error as Error).message });
    }
  };
  const loops = Array.from({ length: 8 }, async (_, worker) => {
    for (let i = 0; running; i++) {
      const account = accounts[(worker * 5 + i) % accounts.length] as Account;
      const headers = { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' };
      switch (i % 5) {
        case 0:
          outcomes.push(await me(server.url, account));
          break;
        case 1:
          await timed(() => fetch(`${server.url}/organizations/current`, { headers }));
          break;
        case 2:
          await timed(() =>
            fetch(`${server.url}/organizations/current`, {
              method: 'PATCH',
              headers,
              body: JSON.stringify({ name: `Soak ${i}` }),
            }),
          );
          break;
        case 3:
          await timed(() => fetch(`${server.url}/audit-events?limit=20`, { headers }));
          break;
        default:
          outcomes.push((await signUp(server.url, 'soak-new')).outcome);
      }
    }
  });

  const samples: { minute: number; rss: number; heapAfterGc: number }[] = [];
  const started = performance.now();
  while (performance.now() - started < minutes * 60_000) {
    const minute = (performance.now() - started) / 60_000;
    samples.push({ minute, ...(await sample()) });
    const last = samples.at(-1) as (typeof samples)[number];
    report(`t=${minute.toFixed(1)} min`, {
      rssMiB: mib(last.rss),
      heapAfterGcMiB: mib(last.heapAfterGc),
      requests: outcomes.length,
    });
    await sleep(sampleEveryMs);
  }
  running = false;
  await Promise.all(loops);
  samples.push({ minute: minutes, ...(await sample()) });

  // Growth per minute over the second half, by least squares.
  const slope = (key: 'rss' | 'heapAfterGc') => {
    const half = samples.filter((s) => s.minute >= minutes / 2);
    const n = half.length;
    const mx = half.reduce((a, s) => a + s.minute, 0) / n;
    const my = half.reduce((a, s) => a + s[key], 0) / n;
    const num = half.reduce((a, s) => a + (s.minute - mx) * (s[key] - my), 0);
    const den = half.reduce((a, s) => a + (s.minute - mx) ** 2, 0);
    return den ? num / den : 0;
  };
  const counts = tally(outcomes);
  const heapGrowth = slope('heapAfterGc');
  report('soak', {
    minutes,
    requests: counts.total,
    outcomes: counts.byStatus,
    rssMiBPerMinuteSecondHalf: mib(slope('rss')),
    heapAfterGcMiBPerMinuteSecondHalf: mib(heapGrowth),
    heapAfterGcMiB: { first: mib(samples[0]?.heapAfterGc ?? 0), last: mib(samples.at(-1)?.heapAfterGc ?? 0) },
  });
  // A leak shows as a heap that keeps what it used: more than 0.25 MiB a minute after GC.
  ok =
    heapGrowth < 0.25 * 1048576 &&
    !Object.keys(counts.byStatus).some((status) => status.startsWith('5') || status.startsWith('no'));
  server.child.kill('SIGTERM');
  await server.exited;
} finally {
  await pg.destroy();
}
verdict(ok, 'soak: no 5xx, and the heap after garbage collection does not keep growing');
