/**
 * What row-level security costs: serves a tenant-scoped procedure (GET /organizations/current:
 * session, organization resolution, membership check, scoped transaction) twice in one run, with
 * RLS on (application role, per-transaction variables, forced policies) and off (owner connection,
 * ORM filter only), alternating rounds so that drift hits both alike. Prints requests per second
 * and p50/p99 latency for each, and the ratio. Target: RLS keeps at least 85% of the throughput.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:rls
 *
 * It needs a real PostgreSQL server: PGlite is a single database session, so a role switched on one
 * connection is switched on all of them, and the two configurations cannot run side by side.
 *   BENCH_SECONDS=10 BENCH_CONCURRENCY=16 npm run bench:rls
 */

import { openDatabase } from '@strictops/db';
import { createTestDatabase } from '@strictops/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

type Figures = { requests: number; seconds: number; latencies: number[] };

async function serve(url: string, rowLevelSecurity: boolean) {
  const orm = await openDatabase({ url, poolSize: CONCURRENCY, role: rowLevelSecurity ? 'app' : 'owner' });
  const app = await buildApp({
    config: loadConfig({ NODE_ENV: 'production' }),
    dependencies: { orm, rowLevelSecurity },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, orm, base: `http://127.0.0.1:${port}` };
}

async function load(base: string, token: string, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const response = await fetch(`${base}/organizations/current`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`unexpected status ${response.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}

function summarize(rounds: Figures[]) {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  const rps = rounds.reduce((sum, r) => sum + r.requests, 0) / rounds.reduce((sum, r) => sum + r.seconds, 0);
  return { rps, p50: at(0.5), p99: at(0.99) };
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

  await load(on.base, session.token, 1);
  await load(off.base, session.token, 1);
  const figures = { on: [] as Figures[], off: [] as Figures[] };
  for (let round = 0; round < ROUNDS; round++) {
    figures.on.push(await load(on.base, session.token, SECONDS));
    figures.off.push(await load(off.base, session.token, SECONDS));
  }

  const withRls = summarize(figures.on);
  const without = summarize(figures.off);
  const row = (name: string, f: ReturnType<typeof summarize>) =>
    `${name.padEnd(22)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(6)} ms`;
  console.log(`GET /organizations/current, ${CONCURRENCY} in flight, ${ROUNDS} x ${SECONDS} s each, PostgreSQL`);
  console.log(row('RLS off (filter only)', without));
  console.log(row('RLS on', withRls));
  const ratio = withRls.rps / without.rps;
  console.log(`RLS keeps ${(ratio * 100).toFixed(1)}% of the throughput (target: at least 85%)`);
} finally {
  for (const { app, orm } of [on, off] as { app: FastifyInstance; orm: { close(): Promise<void> } }[]) {
    await app.close();
    await orm.close();
  }
  await database.drop();
}
