/**
 * SIGTERM to a server answering 64 concurrent connections of reads and writes (on a private
 * PostgreSQL, so they really run in parallel): every request already sent when the signal arrives
 * must get its answer, the server must exit 0 promptly, and every acknowledged write must be there.
 *
 *   node apps/server/faults/sigterm-under-load.ts
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

const pg = await startPrivatePostgres();
let ok = true;
try {
  await migrateDatabaseAt(pg.url);
  const env = { DATABASE_URL: pg.url, DATABASE_POOL_SIZE: '20' };
  const server = startServer(env, { port: await freePort() });
  await waitReady(server);
  const readers: Account[] = [];
  while (readers.length < 32) {
    const { account } = await signUp(server.url, 'reader');
    if (account) readers.push(account);
  }

  const written: Account[] = [];
  const outcomes: (Outcome & { startedAt: number })[] = [];
  let running = true;
  const loops = Array.from({ length: 64 }, async (_, i) => {
    while (running) {
      const startedAt = performance.now();
      if (i % 2 === 0) {
        const { outcome, account } = await signUp(server.url, 'sigterm');
        outcomes.push({ ...outcome, startedAt });
        if (account) written.push(account);
      } else {
        outcomes.push({ ...(await me(server.url, readers[i % readers.length] as Account)), startedAt });
      }
    }
  });
  await sleep(3000);
  const signalledAt = performance.now();
  server.child.kill('SIGTERM');
  const [code] = await server.exited;
  const exitSeconds = (performance.now() - signalledAt) / 1000;
  running = false;
  await Promise.all(loops);

  const inFlight = outcomes.filter((o) => o.startedAt < signalledAt);
  const unanswered = inFlight.filter((o) => o.status === 0);
  const failed = inFlight.filter((o) => o.status >= 500);
  const after = outcomes.filter((o) => o.startedAt >= signalledAt);
  report('load', {
    requestsBeforeSignal: inFlight.length,
    unansweredOfThose: unanswered.length,
    outcomesOfThose: tally(inFlight).byStatus,
    '5xxOfThose': failed.length,
    requestsAfterSignal: after.length,
    exitCode: code,
    exitSeconds: exitSeconds.toFixed(1),
  });
  ok &&= unanswered.length === 0 && failed.length === 0 && code === 0;

  const again = startServer(env, { port: await freePort() });
  await waitReady(again);
  const check = await verifyAccounts(again.url, written);
  report('after restart', { acknowledgedWrites: written.length, found: check.found, lost: check.lost.length });
  ok &&= check.lost.length === 0;
  again.child.kill('SIGTERM');
  await again.exited;
} finally {
  await pg.destroy();
}
verdict(ok, 'SIGTERM under 64 connections: every in-flight request answered, exit 0, nothing lost');
