import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { uniqueEmail } from './test-app.ts';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

// A fresh embedded database runs every migration before the server is ready: on a busy 2-core
// machine that has taken over 20 s, so the wait is generous and bounded.
async function waitUntilReady(url: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server at ${url} never became ready`);
}

/** Runs the server with `env` added, expecting it to refuse to start: its exit code and stderr. */
async function refusedStart(env: Record<string, string>) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code, stderr };
}

describe('main', () => {
  it('refuses to start with bad configuration, naming the variable', async () => {
    const { code, stderr } = await refusedStart({ PORT: 'not-a-port', DATABASE_URL: inject('databaseUrl') });
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT/);
  });

  // Guards scoped service credentials: a credential the policy cannot place must stop the server.
  it('refuses to start with a service credential for an unknown service or a short secret', async () => {
    for (const tokens of [`test-worker:${'x'.repeat(40)}`, 'deploy-worker:short']) {
      const { code, stderr } = await refusedStart({
        STRICTOPS_SERVICE_TOKENS: tokens,
        DATABASE_URL: inject('databaseUrl'),
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/STRICTOPS_SERVICE_TOKENS/);
      expect(stderr).not.toContain('x'.repeat(40));
    }
  });

  it('refuses to start on a database of its own without STRICTOPS_SECRETS_KEY', async () => {
    const { code, stderr } = await refusedStart({ DATABASE_URL: inject('databaseUrl'), STRICTOPS_SECRETS_KEY: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/STRICTOPS_SECRETS_KEY is required with DATABASE_URL/);
  });

  it('finishes the request in flight on SIGTERM, then exits 0', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'strictops-sigterm-'));
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        // On the real PostgreSQL, the test database; in embedded mode a PGlite of the child's own (the
        // test's PGlite is one session, whose role the test's own connections have already set).
        ...(inject('embeddedDatabase')
          ? { DATABASE_URL: '', STRICTOPS_DATA_DIR: dataDir }
          : { DATABASE_URL: inject('databaseUrl'), STRICTOPS_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') }),
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const exited = once(child, 'exit');
    try {
      await waitUntilReady(url);
      // Sign-up spends tens of milliseconds hashing the password: long enough to be in flight.
      const inFlight = fetch(`${url}/auth/sign-up`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: uniqueEmail('sigterm'), password: 'correct horse battery', name: 'T' }),
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      child.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      const [code] = await exited;
      expect(code).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
