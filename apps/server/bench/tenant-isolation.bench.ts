/**
 * What row-level security costs: serves a tenant-scoped procedure (GET /organizations/current:
 * session, organization resolution, membership check, scoped transaction) twice in one run, with
 * RLS on (application role, per-transaction variables, forced policies) and off (superuser
 * connection, ORM filter only), alternating rounds so that drift hits both alike. Prints requests per second
 * and p50/p99 latency for each, and the ratio. Target: RLS keeps at least 85% of the throughput.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:rls
 *
 * It needs a real PostgreSQL server: PGlite is a single database session, so a role switched on one
 * connection is switched on all of them, and the two configurations cannot run side by side.
 *   BENCH_SECONDS=10 BENCH_CONCURRENCY=16 npm run bench:rls
 */

import { createSecretBox, newSecretsKey } from '@strictops/api';
import { openDatabase } from '@strictops/db';
import { createTestDatabase } from '@strictops/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type Figures, formatRow, load, summarize } from './load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * RLS off is the same server on a superuser connection (TEST_DATABASE_URL's user), which row-level
 * security does not bind: the per-transaction settings are still sent, the policies are skipped.
 */
async function serve(url: string, rowLevelSecurity: boolean) {
  const orm = await openDatabase({ url, poolSize: CONCURRENCY, role: rowLevelSecurity ? 'app' : 'owner' });
  const app = await buildApp({
    config: loadConfig({ NODE_ENV: 'production' }),
    dependencies: { orm, secrets: createSecretBox(Buffer.from(newSecretsKey(), 'base64')) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, orm, base: `http://127.0.0.1:${port}` };
}

if (!process.env.TEST_DATABASE_URL) {
  console.error('Set TEST_DATABASE_URL to a PostgreSQL server the benchmark may create a database on.');
  process.exit(2);
}
const database = await createTestDatabase();
const on = await serve(database.url, true);
const off = await serve(database.url, false);
try {
  const signUp = await fetch(`${on.base}/auth/sign-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'correct horse battery', name: 'Bench' }),
  });
  const { session } = (await signUp.json()) as { session: { token: string } };

  const url = (base: string) => `${base}/organizations/current`;
  const auth = { authorization: `Bearer ${session.token}` };
  await load(url(on.base), auth, { seconds: 1, concurrency: CONCURRENCY });
  await load(url(off.base), auth, { seconds: 1, concurrency: CONCURRENCY });
  const figures = { on: [] as Figures[], off: [] as Figures[] };
  for (let round = 0; round < ROUNDS; round++) {
    figures.on.push(await load(url(on.base), auth, { seconds: SECONDS, concurrency: CONCURRENCY }));
    figures.off.push(await load(url(off.base), auth, { seconds: SECONDS, concurrency: CONCURRENCY }));
  }

  const withRls = summarize(figures.on);
  const without = summarize(figures.off);
  console.log(`GET /organizations/current, ${CONCURRENCY} in flight, ${ROUNDS} x ${SECONDS} s each, PostgreSQL`);
  console.log(formatRow('RLS off (filter only)', without));
  console.log(formatRow('RLS on', withRls));
  const ratio = withRls.rps / without.rps;
  console.log(`RLS keeps ${(ratio * 100).toFixed(1)}% of the throughput (target: at least 85%)`);
} finally {
  for (const { app, orm } of [on, off] as { app: FastifyInstance; orm: { close(): Promise<void> } }[]) {
    await app.close();
    await orm.close();
  }
  await database.drop();
}
