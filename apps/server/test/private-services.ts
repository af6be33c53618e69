/**
 * A PostgreSQL and a Redis of a test's own, on ports of their own in a temporary folder, so that a
 * test (or a fault script) can stop, freeze and kill them: never the machine's shared ones.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, up: boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open === up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`port ${port} did not ${up ? 'open' : 'close'} within ${timeoutMs} ms`);
}

export type PrivatePostgres = {
  /** Superuser URL of its `postgres` database. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP the postmaster and every backend: connections hang, as with a frozen host or a partition. */
  freeze(): void;
  thaw(): void;
  destroy(): Promise<void>;
};

export const canRunPrivatePostgres = () => existsSync(join(PG_BIN, 'initdb'));

/**
 * initdb + pg_ctl as the `postgres` user when run as root (initdb refuses root), trust auth on
 * 127.0.0.1 only, no fsync (nothing here tests the disk).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'strictops-private-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  if (asPostgres) await chown(dir, asPostgres.uid, asPostgres.gid);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(join(PG_BIN, command), args, { cwd: dir, encoding: 'utf8', ...asPostgres });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  // Both idempotent: a test that failed half-way may have left it either way.
  const running = () => existsSync(join(data, 'postmaster.pid'));
  const start = async () => {
    if (!running()) run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start']);
    await waitForPort(port, true);
  };
  await start();
  const processes = () => {
    const postmaster = Number.parseInt(readFileSync(join(data, 'postmaster.pid'), 'utf8'), 10);
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
    return [postmaster, ...children];
  };
  let frozen: number[] = [];
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    async stop() {
      if (running()) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      await waitForPort(port, false);
    },
    freeze() {
      frozen = processes();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    async destroy() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      spawnSync(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...asPostgres });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function userIds(name: string) {
  return {
    uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })),
  };
}

export type PrivateRedis = {
  url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  freeze(): void;
  thaw(): void;
  destroy(): Promise<void>;
};

export const canRunPrivateRedis = () => spawnSync('redis-server', ['--version']).status === 0;

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitForPort(port, true);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async kill() {
      child?.kill('SIGKILL');
      await waitForPort(port, false);
    },
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async destroy() {
      child?.kill('SIGCONT');
      child?.kill('SIGKILL');
    },
  };
}
