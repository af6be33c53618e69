#!/usr/bin/env node
// Smoke test of the README's first command: `npm start` on a fresh data folder serves the API on the
// embedded database; sign-up, then /auth/me with the returned token, shows the new organization.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'strictops-smoke-'));
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, PORT: String(port), STRICTOPS_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
delete env.DATABASE_URL;

const server = spawn('npm', ['start'], { cwd: root, env, stdio: 'inherit', detached: true });
const fail = (message) => {
  console.error(`smoke: FAILED: ${message}`);
  process.kill(-server.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
};

const deadline = Date.now() + 180_000;
while (!(await fetch(`${base}/readyz`).then((r) => r.ok, () => false))) {
  if (Date.now() > deadline) fail('the server did not become ready within 180 s');
  await new Promise((r) => setTimeout(r, 250));
}

const signUp = await fetch(`${base}/auth/sign-up`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'smoke@example.com', password: 'correct horse battery', name: 'Smoke' }),
});
if (signUp.status !== 200) fail(`sign-up answered ${signUp.status}: ${await signUp.text()}`);
const { session } = await signUp.json();
const me = await (await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${session.token}` } })).json();
if (me.activeOrganization?.role !== 'strictops_admin') fail(`/auth/me answered ${JSON.stringify(me)}`);
const docs = await fetch(`${base}/docs/`);
if (docs.status !== 200) fail(`/docs answered ${docs.status}`);

// A second server on the same data folder must refuse to start, naming the folder and the holder.
const second = spawnSync('node', ['scripts/bootstrap.mjs', 'exec', 'node', 'apps/server/src/main.ts'], {
  cwd: root,
  env: { ...env, PORT: '0' },
  encoding: 'utf8',
  timeout: 60_000,
});
if (second.status !== 1 || !/in use by another StrictOps process \(PID \d+\)/.test(second.stderr)) {
  fail(`a second server on the same data folder answered ${second.status}: ${second.stderr}`);
}

// SIGTERM to `npm start` alone, as a process manager stopping it would: npm passes it on, the
// bootstrap passes it on, the server shuts down cleanly, lets go of its port, and nothing is left.
process.kill(server.pid, 'SIGTERM');
const [code, signal] = await new Promise((resolve) => server.on('exit', (c, s) => resolve([c, s])));
if (code !== 0) fail(`npm start ended with ${code ?? signal} after SIGTERM`);
// The server drains first (at most SHUTDOWN_DRAIN_MS, 10 s), answering what still arrives.
const deadline2 = Date.now() + 20_000;
while (await fetch(`${base}/healthz`).then(() => true, () => false)) {
  if (Date.now() > deadline2) fail('the server still answers 20 s after SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
}
const left = spawnSync('pgrep', ['-g', String(server.pid)], { encoding: 'utf8' }).stdout.trim();
if (left) fail(`processes left after SIGTERM to npm start: ${left.split('\n').join(', ')}`);
rmSync(dataDir, { recursive: true, force: true });
console.log(
  `smoke: npm start served ${me.activeOrganization.name} on the embedded database, refused a second server on its data folder, and stopped on SIGTERM`,
);
