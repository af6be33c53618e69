/**
 * A private Redis (the rate limits' shared store) killed, then frozen (SIGSTOP), under load: no
 * request fails or waits past the command timeout, the in-memory limiter counts meanwhile, and
 * the shared counters are used again once Redis answers.
 *
 *   node apps/server/faults/redis-outage.ts
 */
import { execFileSync } from 'node:child_process';
import { migrateDatabaseAt } from '@strictops/db';
import { startPrivatePostgres, startPrivateRedis } from '../test/private-services.ts';
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

const COMMAND_TIMEOUT_MS = 500;
const pg = await startPrivatePostgres();
const redis = await startPrivateRedis();
const redisPort = new URL(redis.url).port;
/** Points counted in Redis so far, over every rate-limit key (-1 while Redis does not answer). */
const countedInRedis = () => {
  const script =
    "local n = 0 for _, k in ipairs(redis.call('keys', 'strictops:rl:*')) do n = n + (tonumber(redis.call('get', k)) or 0) end return n";
  try {
    return Number(
      execFileSync('redis-cli', ['-p', redisPort, 'eval', script, '0'], { encoding: 'utf8', timeout: 2000 }).trim(),
    );
  } catch {
    return -1;
  }
};
let ok = true;
try {
  await migrateDatabaseAt(pg.url);
  const server = startServer(
    { DATABASE_URL: pg.url, REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) },
    { port: await freePort() },
  );
  await waitReady(server);
  const readers: Account[] = [];
  while (readers.length < 8) {
    const { account } = await signUp(server.url, 'redis-reader');
    if (account) readers.push(account);
  }
  const baseline = tally(await Promise.all(readers.map((reader) => me(server.url, reader))));

  for (const fault of ['killed', 'frozen'] as const) {
    const outcomes: Outcome[] = [];
    let running = true;
    const loops = readers.map(async (reader) => {
      while (running) {
        outcomes.push(await me(server.url, reader));
        await sleep(10);
      }
    });
    await sleep(1000);
    if (fault === 'killed') await redis.kill();
    else redis.freeze();
    const from = outcomes.length;
    await sleep(5000);
    const back = performance.now();
    if (fault === 'killed') await redis.start();
    else redis.thaw();
    // Shared again: a request is counted in Redis.
    let sharedAfterMs = -1;
    while (performance.now() - back < 30_000) {
      const before = countedInRedis();
      await me(server.url, readers[0] as Account);
      const after = countedInRedis();
      if (before >= 0 && after > before) {
        sharedAfterMs = performance.now() - back;
        break;
      }
      await sleep(100);
    }
    running = false;
    await Promise.all(loops);
    const during = tally(outcomes.slice(from));
    report(`Redis ${fault} for 5 s`, {
      baselineSlowestMs: baseline.slowestMs,
      outcomes: during.byStatus,
      slowestMs: during.slowestMs,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      sharedAgainAfterMs: Math.round(sharedAfterMs),
    });
    ok &&= Object.keys(during.byStatus).every((status) => status === '200');
    ok &&= during.slowestMs < baseline.slowestMs + COMMAND_TIMEOUT_MS + 1000 && sharedAfterMs >= 0;
  }
  server.child.kill('SIGTERM');
  await server.exited;
} finally {
  await redis.destroy();
  await pg.destroy();
}
verdict(ok, 'Redis killed and frozen: every request answered 200 within the command timeout, shared counting resumed');
