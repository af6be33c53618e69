/**
 * What the rate limiter costs: serves one read procedure (GET /organizations/current) with the
 * limiter off, with its in-memory store and with its Redis store, alternating rounds in one run,
 * and prints requests per second and p50/p99 for each. Target: at most 10% of the throughput.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres TEST_REDIS_URL=redis://127.0.0.1:6379 npm run bench:rate-limits
 *
 * Without TEST_REDIS_URL the Redis row is left out; without TEST_DATABASE_URL it runs on embedded
 * PGlite, whose single session makes every figure smaller and noisier.
 */
import { createSecretBox, newSecretsKey, RateLimits } from '@strictops/api';
import { Organization, openDatabase } from '@strictops/db';
import { createTestDatabase } from '@strictops/db/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type Figures, formatRow, load, summarize } from './load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const database = await createTestDatabase();
const orm = await openDatabase({ url: database.url, poolSize: CONCURRENCY * 3 });
const variants: { name: string; rateLimits: RateLimits | undefined }[] = [
  { name: 'limiter off', rateLimits: undefined },
  { name: 'limiter, memory store', rateLimits: new RateLimits({}) },
];
if (process.env.TEST_REDIS_URL) {
  variants.push({ name: 'limiter, Redis store', rateLimits: new RateLimits({ redisUrl: process.env.TEST_REDIS_URL }) });
}
const servers = await Promise.all(
  variants.map(async (variant) => {
    const app = await buildApp({
      config: loadConfig({ NODE_ENV: 'production' }),
      dependencies: {
        orm,
        rateLimits: variant.rateLimits,
        secrets: createSecretBox(Buffer.from(newSecretsKey(), 'base64')),
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { ...variant, app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
  }),
);

try {
  const first = servers[0] as (typeof servers)[number];
  const signUp = await fetch(`${first.base}/auth/sign-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench-limits@example.com', password: 'correct horse battery', name: 'Bench' }),
  });
  const { session } = (await signUp.json()) as { session: { token: string } };
  const auth = { authorization: `Bearer ${session.token}` };
  // Measure the limiter's work, not its refusals: an ENTERPRISE organization with a budget no run can reach.
  const me = (await (await fetch(`${first.base}/auth/me`, { headers: auth })).json()) as {
    activeOrganization: { id: string };
  };
  await orm.em
    .fork()
    .nativeUpdate(
      Organization,
      { id: me.activeOrganization.id },
      { tier: 'ENTERPRISE', limitOverrides: { rateLimitMultiplier: 1_000_000 } },
    );

  const figures = new Map<string, Figures[]>(servers.map((s) => [s.name, []]));
  for (const server of servers)
    await load(`${server.base}/organizations/current`, auth, { seconds: 1, concurrency: CONCURRENCY });
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of servers) {
      figures
        .get(server.name)
        ?.push(
          await load(`${server.base}/organizations/current`, auth, { seconds: SECONDS, concurrency: CONCURRENCY }),
        );
    }
  }
  console.log(
    `GET /organizations/current, ${CONCURRENCY} in flight, ${ROUNDS} x ${SECONDS} s each, ${database.embedded ? 'embedded PGlite' : 'PostgreSQL'}`,
  );
  const baseline = summarize(figures.get('limiter off') ?? []);
  for (const server of servers) {
    const summary = summarize(figures.get(server.name) ?? []);
    const share = server.rateLimits ? `   keeps ${((summary.rps / baseline.rps) * 100).toFixed(1)}%` : '';
    console.log(formatRow(server.name, summary) + share);
  }
  console.log('Target: the limiter keeps at least 90% of the throughput.');
} finally {
  for (const server of servers) {
    await server.app.close();
    await server.rateLimits?.close();
  }
  await orm.close();
  await database.drop();
}
