/**
 * Two replicas starting at the same moment on an empty database, TRIALS times (default 5): both
 * must come up (the migrations take turns under their advisory lock) and serve.
 *
 *   node apps/server/faults/replicas-start.ts
 */
import { openDatabase } from '@strictops/db';
import { startPrivatePostgres } from '../test/private-services.ts';
import { freePort, report, startServer, verdict, waitReady } from './lib.ts';

const trials = Number(process.env.TRIALS ?? 5);
const server = await startPrivatePostgres();
let upBoth = 0;
try {
  for (let trial = 1; trial <= trials; trial++) {
    const name = `strictops_replicas_${trial}`;
    const admin = await openDatabase({ url: server.url, poolSize: 1, role: 'owner' });
    await admin.em.getConnection().execute(`create database ${name}`);
    await admin.close();
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    const replicas = [
      startServer({ DATABASE_URL: url.toString(), LOG_LEVEL: 'info' }, { port: await freePort() }),
      startServer({ DATABASE_URL: url.toString(), LOG_LEVEL: 'info' }, { port: await freePort() }),
    ];
    const results = await Promise.allSettled(replicas.map((replica) => waitReady(replica)));
    const up = results.filter((r) => r.status === 'fulfilled').length;
    const waited = replicas.filter((replica) => replica.output().includes('another process is migrating')).length;
    report(`trial ${trial}`, {
      replicasUp: up,
      replicasThatWaitedForMigrations: waited,
      failures: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason).slice(0, 300)] : [])),
    });
    if (up === 2) upBoth++;
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));
  }
} finally {
  await server.destroy();
}
verdict(upBoth === trials, `${upBoth} of ${trials} trials: both replicas came up`);
