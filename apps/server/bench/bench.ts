/**
 * `npm run bench`: the request path against a same-run floor. Starts the real server (src/main.ts,
 * unchanged, with the query counter of instrument.ts preloaded) and the bare Fastify + `pg` baseline
 * (baseline.ts) as processes of their own, seeds the data with SQL, and loads each arm with
 * autocannon from a third process, alternating rounds so that drift on a shared machine hits every
 * variant alike. For each variant it prints req/s, p50, p99, the server's CPU time per request and
 * its SQL round trips per request. Arms:
 *
 *   1. GET /organizations/current (session bearer token) vs the baseline's one-round-trip answer
 *   2. GET /projects (50 projects x 3 environments with their latest deployment) vs the baseline's
 *   3. both again on the embedded database (PGlite in the server's process, and in the baseline's)
 *   4. GET /deployments?limit=50 and GET /audit-events?limit=50, first page and a page 90% deep,
 *      in organizations of BENCH_SMALL_ROWS (1k) and BENCH_LARGE_ROWS (1M) rows
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench
 *
 * TEST_DATABASE_URL names a server the benchmark may create (and drops afterwards) a database on.
 * BENCH_SECONDS (3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16), BENCH_ARMS (1,2,3,4) tune a run.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { newSecretsKey } from '@strictops/api';
import { migrateDatabaseAt, resolveDataDir, startEmbeddedPostgres } from '@strictops/db';
import { createTestDatabase } from '@strictops/db/testing';
import pg from 'pg';
import type { ServerStats } from './instrument.ts';
import { type Seeded, seed } from './seed.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ARMS = new Set((process.env.BENCH_ARMS ?? '1,2,3,4').split(',').map(Number));
const ROWS = {
  small: Number(process.env.BENCH_SMALL_ROWS ?? 1_000),
  large: Number(process.env.BENCH_LARGE_ROWS ?? 1_000_000),
};

const here = (file: string) => new URL(file, import.meta.url).pathname;
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

type Server = { name: string; child: ChildProcess; base: string };
type Target = { server: Server; path: string; headers?: Record<string, string> };
type Round = { requests: number; seconds: number; p50: number; p99: number; queries: number; cpuMicros: number };

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts a server script as its own process with the query counter preloaded; resolves once /healthz answers. */
async function start(name: string, script: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = fork(script, {
    execArgv: ['--import', here('./instrument.ts')],
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    // The server's request log goes where production's would: written, then thrown away here.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { name, child, base };
    if (tries > 600) throw new Error(`${name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stats(server: Server): Promise<ServerStats> {
  return new Promise((resolve) => {
    server.child.once('message', (message) => resolve(message as ServerStats));
    server.child.send('stats');
  });
}

async function stop(server: Server) {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

type Cannon = {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
};

/** One round of load from a separate process (autocannon), with the server's counters read around it. */
async function round({ server, path, headers = {} }: Target): Promise<Round> {
  const before = await stats(server);
  const args = [AUTOCANNON, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS)];
  for (const [key, value] of Object.entries(headers)) args.push('-H', `${key}=${value}`);
  const cannon = spawn(process.execPath, [...args, `${server.base}${path}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  cannon.stdout.on('data', (chunk) => {
    out += chunk;
  });
  await new Promise((resolve) => cannon.once('exit', resolve));
  const after = await stats(server);
  const result = JSON.parse(out) as Cannon;
  if (result.non2xx || result.errors) {
    throw new Error(`${server.name} ${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    queries: after.queries - before.queries,
    cpuMicros: after.cpuMicros - before.cpuMicros,
  };
}

type Summary = { rps: number; p50: number; p99: number; cpuMs: number; queries: number };

/** Medians of the rounds' latencies (each round is short), totals for throughput and per-request figures. */
function summarize(rounds: Round[]): Summary {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return {
    rps: requests / rounds.reduce((sum, r) => sum + r.seconds, 0),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    cpuMs: rounds.reduce((sum, r) => sum + r.cpuMicros, 0) / 1000 / requests,
    queries: rounds.reduce((sum, r) => sum + r.queries, 0) / requests,
  };
}

const row = (name: string, s: Summary) =>
  `  ${name.padEnd(34)}${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50.toFixed(1).padStart(6)} ms  p99 ${s.p99
    .toFixed(1)
    .padStart(6)} ms  cpu ${s.cpuMs.toFixed(2).padStart(6)} ms/req  sql ${s.queries.toFixed(2).padStart(5)}/req`;

/** Runs the targets in alternating rounds (a short warm-up first) and prints a row for each. */
async function measure(title: string, targets: Record<string, Target>) {
  for (const target of Object.values(targets)) await round({ ...target });
  const rounds = Object.fromEntries(Object.keys(targets).map((name) => [name, [] as Round[]]));
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, target] of Object.entries(targets)) rounds[name]?.push(await round(target));
  }
  console.log(title);
  const summaries = Object.fromEntries(Object.entries(rounds).map(([name, r]) => [name, summarize(r)]));
  for (const [name, summary] of Object.entries(summaries)) console.log(row(name, summary));
  return summaries;
}

function versus(server: Summary | undefined, baseline: Summary | undefined) {
  if (!server || !baseline) return;
  const share = (100 * server.rps) / baseline.rps;
  const p99 = server.p99 / baseline.p99;
  console.log(
    `  => ${share.toFixed(0)}% of the baseline's req/s (target >= 40%), p99 ${p99.toFixed(2)}x the baseline's (target <= 2.5x)`,
  );
}

/** The server's and the baseline's bodies must agree, or the comparison measures different work. */
async function sameAnswer(a: Target, b: Target) {
  const body = async ({ server, path, headers }: Target) => {
    const response = await fetch(`${server.base}${path}`, { headers });
    if (!response.ok) throw new Error(`${server.name} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const [left, right] = await Promise.all([body(a), body(b)]);
  if (!isDeepStrictEqual(left, right)) throw new Error(`${a.path}: the server and the baseline answer differently`);
}

/** Arms 1 and 2; on PostgreSQL also the server with its request log off, which shows what logging costs. */
async function armsOneAndTwo(
  label: string,
  seeded: Seeded,
  { server: env, baseline: baselineEnv }: { server: Record<string, string>; baseline: Record<string, string> },
) {
  const auth = { authorization: `Bearer ${seeded.token}` };
  const servers: Server[] = [];
  try {
    const server = await start(`server (${label})`, here('../src/main.ts'), { ...env, LOG_LEVEL: 'info' });
    servers.push(server);
    const baseline = await start(`baseline (${label})`, here('./baseline.ts'), baselineEnv);
    servers.push(baseline);
    const quiet = env.DATABASE_URL
      ? await start('server, log off', here('../src/main.ts'), { ...env, LOG_LEVEL: 'silent' })
      : undefined;
    if (quiet) servers.push(quiet);

    for (const path of ['/organizations/current', '/projects?limit=50']) {
      await sameAnswer({ server, path, headers: auth }, { server: baseline, path, headers: auth });
      const targets: Record<string, Target> = {
        [`server (${label})`]: { server, path, headers: auth },
        ...(quiet ? { 'server, request log off': { server: quiet, path, headers: auth } } : {}),
        [`baseline: Fastify + pg (${label})`]: { server: baseline, path, headers: auth },
      };
      const figures = await measure(
        `GET ${path} on ${label}, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s`,
        targets,
      );
      versus(figures[`server (${label})`], figures[`baseline: Fastify + pg (${label})`]);
    }
  } finally {
    for (const server of servers) await stop(server);
  }
}

/**
 * The database's own time for a list page (EXPLAIN ANALYZE of the page's query as the server sends
 * it, as the application role in the organization: median of 15), the flatness figure that the
 * shared machine's noise does not reach.
 */
async function pageQueryTimes(url: string, lists: NonNullable<Seeded['lists']>) {
  const pages = {
    deployments: (cursor: string | null) =>
      `select id, project_id, environment_id, status, ref, commit_sha, triggered_by_type, triggered_by_id,
              triggered_by_display, status_message, queued_at, started_at, finished_at
         from "deployment" where organization_id = $1 ${cursor ? `and id < '${cursor}'` : ''} order by id desc limit 51`,
    'audit events': (cursor: string | null) =>
      `select id, seq, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id, target_display,
              changes, ip, user_agent, request_id, outcome, hash, prev_hash
         from "audit_event" where organization_id = $1 ${cursor ? `and seq < ${cursor}` : ''} order by seq desc limit 51`,
  };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    console.log('Database time of one page (EXPLAIN ANALYZE as the application role, median of 15)');
    for (const [list, sql] of Object.entries(pages)) {
      for (const organization of [lists.small, lists.large]) {
        const cursor = list === 'deployments' ? organization.deploymentCursor : organization.auditCursor;
        const times: string[] = [];
        for (const page of [null, cursor]) {
          const runs: number[] = [];
          for (let i = 0; i < 15; i++) {
            await client.query('begin');
            await client.query(`set local role strictops_app`);
            await client.query(`select set_config('app.organization_id', $1, true)`, [organization.id]);
            const { rows } = await client.query(`explain (analyze, format json) ${sql(page)}`, [organization.id]);
            await client.query('rollback');
            const [plan] = rows[0]['QUERY PLAN'] as [{ 'Execution Time': number; 'Planning Time': number }];
            runs.push(plan['Execution Time'] + plan['Planning Time']);
          }
          const median = runs.sort((a, b) => a - b)[7] as number;
          times.push(`${page ? '90% deep' : 'first page'} ${median.toFixed(3)} ms`);
        }
        console.log(`  ${list}, ${organization.rows.toLocaleString('en')} rows: ${times.join(', ')}`);
      }
    }
  } finally {
    await client.end();
  }
}

async function armFour(seeded: Seeded, env: Record<string, string>) {
  const lists = seeded.lists;
  if (!lists) return;
  await pageQueryTimes(env.DATABASE_URL as string, lists);
  const server = await start('server', here('../src/main.ts'), { ...env, LOG_LEVEL: 'info' });
  try {
    const auth = (organization: string) => ({
      authorization: `Bearer ${seeded.token}`,
      'x-strictops-organization': organization,
    });
    for (const [list, cursorOf] of [
      ['/deployments', (o: { deploymentCursor: string }) => o.deploymentCursor],
      ['/audit-events', (o: { auditCursor: string }) => o.auditCursor],
    ] as const) {
      const targets: Record<string, Target> = {};
      for (const organization of [lists.small, lists.large]) {
        const size = organization.rows.toLocaleString('en');
        targets[`${size} rows, first page`] = { server, path: `${list}?limit=50`, headers: auth(organization.id) };
        targets[`${size} rows, page 90% deep`] = {
          server,
          path: `${list}?limit=50&cursor=${cursorOf(organization)}`,
          headers: auth(organization.id),
        };
      }
      const figures = await measure(
        `GET ${list}?limit=50, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s`,
        targets,
      );
      const small = lists.small.rows.toLocaleString('en');
      const large = lists.large.rows.toLocaleString('en');
      for (const page of ['first page', 'page 90% deep']) {
        const a = figures[`${small} rows, ${page}`];
        const b = figures[`${large} rows, ${page}`];
        if (a && b) {
          console.log(
            `  => ${page}: ${large} rows at ${(a.rps / b.rps).toFixed(2)}x the time of ${small} (by req/s), p50 ${(b.p50 / Math.max(a.p50, 0.001)).toFixed(2)}x (target <= 1.5x)`,
          );
        }
      }
    }
  } finally {
    await stop(server);
  }
}

if (!process.env.TEST_DATABASE_URL) {
  console.error('Set TEST_DATABASE_URL to a PostgreSQL server the benchmark may create a database on.');
  process.exit(2);
}
console.log(`CPU: ${(await import('node:os')).cpus().length} cores; load from autocannon in its own process`);
// RATE_LIMITS=off (refused in production, hence development) measures the request path, not refusals.
const common = { STRICTOPS_SECRETS_KEY: newSecretsKey(), RATE_LIMITS: 'off', NODE_ENV: 'development' };

if (ARMS.has(1) || ARMS.has(2) || ARMS.has(4)) {
  const database = await createTestDatabase();
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const started = performance.now();
    const seeded = await seed(client, ARMS.has(4) ? ROWS : undefined);
    await client.end();
    console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const env = { ...common, DATABASE_URL: database.url };
    if (ARMS.has(1) || ARMS.has(2)) await armsOneAndTwo('PostgreSQL', seeded, { server: env, baseline: env });
    if (ARMS.has(4)) await armFour(seeded, env);
  } finally {
    await database.drop();
  }
}

if (ARMS.has(3)) {
  // PGlite is one process's database: the server and the baseline each open their own copy of the
  // same seeded folder.
  const dir = await mkdtemp(join(tmpdir(), 'strictops-bench-'));
  try {
    const folder = (name: string) => resolveDataDir({ STRICTOPS_DATA_DIR: join(dir, name) });
    const embedded = await startEmbeddedPostgres(folder('server'));
    await migrateDatabaseAt(embedded.url);
    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    const seeded = await seed(client);
    await client.end();
    await embedded.stop();
    await cp(folder('server'), folder('baseline'), { recursive: true });
    await armsOneAndTwo('embedded', seeded, {
      server: { ...common, STRICTOPS_DATA_DIR: join(dir, 'server') },
      baseline: { STRICTOPS_DATA_DIR: join(dir, 'baseline') },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
