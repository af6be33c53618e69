/**
 * kill -9 of the server on the embedded database in the middle of a stream of writes, ROUNDS times
 * (default 5): after each restart on the same data folder, every acknowledged sign-up must still be
 * there, and the next start must not be blocked by the dead server's lock.
 *
 *   node apps/server/faults/kill-9-embedded.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Account,
  freePort,
  report,
  signUpLoad,
  sleep,
  startServer,
  tally,
  verdict,
  verifyAccounts,
  waitReady,
} from './lib.ts';

const rounds = Number(process.env.ROUNDS ?? 5);
const dataDir = await mkdtemp(join(tmpdir(), 'strictops-fault-kill9-'));
const env = { DATABASE_URL: '', STRICTOPS_DATA_DIR: dataDir };
const acknowledged: Account[] = [];
let lost = 0;
try {
  for (let round = 1; round <= rounds; round++) {
    const server = startServer(env, { port: await freePort() });
    await waitReady(server);
    const load = signUpLoad(server.url, { workers: 8, label: `kill9-r${round}` });
    // Long enough for writes to be acknowledged even on a busy machine; killed at a random moment.
    await sleep(6000 + Math.random() * 4000);
    server.child.kill('SIGKILL');
    await server.exited;
    await load.stop();
    acknowledged.push(...load.accounts);

    const restarted = startServer(env, { port: await freePort() });
    await waitReady(restarted);
    const check = await verifyAccounts(restarted.url, acknowledged);
    lost += check.lost.length;
    report(`round ${round}`, {
      acknowledgedThisRound: load.accounts.length,
      outcomes: tally(load.outcomes).byStatus,
      acknowledgedSoFar: acknowledged.length,
      foundAfterRestart: check.found,
      lost: check.lost.slice(0, 5),
    });
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
verdict(
  lost === 0 && acknowledged.length > 0,
  `${rounds} kill -9 rounds: ${acknowledged.length} acknowledged sign-ups, ${lost} lost; every restart took the folder over`,
);
