/**
 * A second server started on a data folder that a running server holds: it must refuse to start,
 * naming the folder and the holder's PID, while the first keeps serving; nothing acknowledged by
 * the first is lost.
 *
 *   node apps/server/faults/second-server.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, report, signUpLoad, sleep, startServer, tally, verdict, verifyAccounts, waitReady } from './lib.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'strictops-fault-second-'));
const env = { DATABASE_URL: '', STRICTOPS_DATA_DIR: dataDir };
let ok = true;
try {
  const first = startServer(env, { port: await freePort() });
  await waitReady(first);
  const load = signUpLoad(first.url, { workers: 4, label: 'second' });
  await sleep(1000);
  const started = performance.now();
  const second = startServer(env, { port: await freePort() });
  const [code] = await second.exited;
  const refusal = second.output().trim();
  const named = refusal.includes(dataDir) && refusal.includes(`PID ${first.child.pid}`);
  report('second server', {
    exitCode: code,
    seconds: ((performance.now() - started) / 1000).toFixed(1),
    message: refusal,
  });
  ok &&= code === 1 && named;
  await sleep(1000);
  await load.stop();
  first.child.kill('SIGTERM');
  const [firstCode] = await first.exited;

  const again = startServer(env, { port: await freePort() });
  await waitReady(again);
  const check = await verifyAccounts(again.url, load.accounts);
  report('first server', {
    outcomes: tally(load.outcomes).byStatus,
    exitCode: firstCode,
    acknowledged: load.accounts.length,
    found: check.found,
  });
  ok &&= check.lost.length === 0 && firstCode === 0;
  again.child.kill('SIGTERM');
  await again.exited;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
verdict(ok, 'a second server on a held data folder refused to start, naming the folder and the holder; nothing lost');
