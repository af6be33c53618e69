/**
 * PostgreSQL and Redis going away under a running server: stopped, frozen (SIGSTOP, as a hung host
 * or a network partition looks), and back. Each runs against a private server the test starts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createMemoryMailer, createSecretBox, RateLimits } from '@strictops/api';
import { migrateDatabaseAt, openDatabase } from '@strictops/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import {
  canRunPrivatePostgres,
  canRunPrivateRedis,
  freePort,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
} from './private-services.ts';
import { createTestApp, ORIGIN, signUp } from './test-app.ts';

const TIMEOUTS = {
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  DATABASE_STATEMENT_TIMEOUT_MS: '1500',
  DATABASE_LOCK_TIMEOUT_MS: '1000',
};

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe.skipIf(!canRunPrivatePostgres())('a PostgreSQL outage (private PostgreSQL)', () => {
  let pg: PrivatePostgres;
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let token: string;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    await migrateDatabaseAt(pg.url);
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: ORIGIN, ...TIMEOUTS });
    const orm = await openDatabase({ url: pg.url, timeouts: config.databaseTimeouts });
    const mailer = createMemoryMailer({ publicUrl: config.publicUrl });
    app = await buildApp({ config, dependencies: { orm, mailer, secrets: createSecretBox(Buffer.alloc(32, 7)) } });
    close = async () => {
      await app.close();
      await orm.close();
    };
    token = (await signUp(app, 'outage')).token;
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await pg?.destroy();
  });

  const me = () => app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });

  async function expectRecovery() {
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await me()).statusCode;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status, 'the server answers again without a restart').toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  }

  it('stopped: 503 SERVICE_UNAVAILABLE with Retry-After within the connect timeout, then recovers', async () => {
    expect((await me()).statusCode).toBe(200);
    await pg.stop();
    try {
      const [response, ms] = await timed(me);
      expect(response.statusCode, response.body).toBe(503);
      expect(response.json().data.errorCode).toBe('SERVICE_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('2');
      expect(ms).toBeLessThan(3000);
      const [ready, readyMs] = await timed(() => app.inject({ method: 'GET', url: '/readyz' }));
      expect(ready.statusCode).toBe(503);
      expect(readyMs).toBeLessThan(1200);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await pg.start();
    }
    await expectRecovery();
  });

  it('frozen: 503 within the statement timeout (plus a second), /readyz within a second, then recovers', async () => {
    expect((await me()).statusCode).toBe(200);
    pg.freeze();
    try {
      const [ready, readyMs] = await timed(() => app.inject({ method: 'GET', url: '/readyz' }));
      expect(ready.statusCode).toBe(503);
      expect(readyMs).toBeLessThan(1200);
      const [responses, ms] = await timed(() => Promise.all([me(), me(), me()]));
      for (const response of responses) {
        expect(response.statusCode, response.body).toBe(503);
        expect(response.json().data.errorCode).toBe('SERVICE_UNAVAILABLE');
      }
      // statement timeout 1.5 s + 1 s before the client gives up on a silent server, + slack for a busy machine
      expect(ms).toBeLessThan(5000);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      pg.thaw();
    }
    await expectRecovery();
  });

  it('down at start: the server waits with one line per attempt and no stack trace, then serves', async () => {
    await pg.stop();
    const port = await freePort();
    const child = spawn(process.execPath, [mainTs], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        DATABASE_URL: pg.url,
        STRICTOPS_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
        DATABASE_WAIT_SECONDS: '60',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    try {
      const seen = Date.now() + 150_000; // a busy machine may take a minute to get this far
      while (!/not reachable \(attempt 2/.test(output)) {
        if (Date.now() > seen) throw new Error(`no retry seen:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await pg.start();
      const deadline = Date.now() + 60_000;
      while (
        !(await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`never became ready:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(output).toMatch(/database at 127\.0\.0\.1:\d+\/postgres not reachable \(attempt 1: ECONNREFUSED/);
      expect(output).toMatch(/answers \(attempt \d+\)/);
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      // A child that gave up already has no exit left to wait for.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  }, 300_000);

  it('still down after DATABASE_WAIT_SECONDS: exit 1 with one line saying so', async () => {
    await pg.stop();
    try {
      const child = spawn(process.execPath, [mainTs], {
        env: {
          PATH: process.env.PATH,
          PORT: String(await freePort()),
          DATABASE_URL: pg.url,
          STRICTOPS_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
          DATABASE_WAIT_SECONDS: '2',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      expect(stderr.trim()).toMatch(
        /^database at 127\.0\.0\.1:\d+\/postgres did not answer within 2 s \(last: ECONNREFUSED/,
      );
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      await pg.start();
    }
  }, 120_000);
});

describe.skipIf(!canRunPrivateRedis())('a frozen Redis (private Redis)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(() => redis?.destroy());

  it('costs a request at most the command timeout: the in-memory limiter decides meanwhile', async () => {
    const commandTimeoutMs = 300;
    const t = await createTestApp({}, { rateLimits: new RateLimits({ redisUrl: redis.url, commandTimeoutMs }) });
    try {
      const user = await signUp(t.app, 'frozen-redis');
      const read = () =>
        t.app.inject({
          method: 'GET',
          url: '/organizations/current',
          headers: { authorization: `Bearer ${user.token}` },
        });
      const [, baseline] = await timed(read);
      redis.freeze();
      try {
        for (let i = 0; i < 3; i++) {
          const [response, ms] = await timed(read);
          expect(response.statusCode).toBe(200);
          expect(response.headers['ratelimit-limit']).toBe('600');
          expect(ms).toBeLessThan(baseline + commandTimeoutMs + 700);
        }
      } finally {
        redis.thaw();
      }
      expect((await read()).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
