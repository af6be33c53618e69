/**
 * What the fault scripts share: starting the real server as a process, a bounded load of sign-ups
 * (each an acknowledged write: a user, an organization, a membership, a session and audit events,
 * committed together) and the check that every acknowledged one is still there.
 *
 * The scripts send traffic to 127.0.0.1 only, stop by themselves and clean up what they started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/private-services.ts';

export { freePort };

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
export const SECRETS_KEY = Buffer.alloc(32, 5).toString('base64');

export type ServerProcess = {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
};

/**
 * Runs apps/server/src/main.ts with `env` (and TRUST_PROXY, so the load can spread its sign-ups
 * over many client addresses and stay under the per-IP limit as real users would).
 */
/** Servers still running when the script ends (it failed half-way) are killed with it. */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export function startServer(env: Record<string, string>, { port }: { port: number }): ServerProcess {
  const child = spawn(process.execPath, [...(env.NODE_OPTIONS_EXTRA?.split(' ') ?? []), MAIN], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'true',
      NODE_ENV: 'production',
      STRICTOPS_SECRETS_KEY: SECRETS_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  started.add(child);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  void exited.then(() => started.delete(child));
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

export async function waitReady(server: ServerProcess, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null)
      throw new Error(`server exited (${server.child.exitCode}):\n${server.output()}`);
    if (
      await fetch(`${server.url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`server never became ready:\n${server.output()}`);
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let counter = 0;
/** A unique client address per call (192.0.2.0/24 and onwards: documentation ranges, never dialled). */
const clientAddress = () => {
  const n = counter++;
  return `198.18.${(n >> 8) & 255}.${n & 255}`;
};

export type Account = { email: string; token: string };

export type Outcome = { status: number; ms: number; error?: string };

/** One sign-up; the account if it was acknowledged (200). */
export async function signUp(base: string, label: string): Promise<{ outcome: Outcome; account?: Account }> {
  const email = `${label}-${process.pid}-${counter}-${Date.now().toString(36)}@example.com`;
  const started = performance.now();
  try {
    const response = await fetch(`${base}/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress() },
      body: JSON.stringify({ email, password: 'correct horse battery', name: label }),
      signal: AbortSignal.timeout(60_000),
    });
    const ms = performance.now() - started;
    if (response.status !== 200) {
      await response.body?.cancel();
      return { outcome: { status: response.status, ms } };
    }
    const body = (await response.json()) as { session: { token: string } };
    return { outcome: { status: 200, ms }, account: { email, token: body.session.token } };
  } catch (error) {
    return { outcome: { status: 0, ms: performance.now() - started, error: describeError(error) } };
  }
}

export async function me(base: string, account: Account): Promise<Outcome & { email?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(`${base}/auth/me`, {
      headers: { authorization: `Bearer ${account.token}` },
      signal: AbortSignal.timeout(60_000),
    });
    const body = response.status === 200 ? ((await response.json()) as { user: { email: string } }) : undefined;
    if (!body) await response.body?.cancel();
    return { status: response.status, ms: performance.now() - started, email: body?.user.email };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, error: describeError(error) };
  }
}

export function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * `workers` loops of sign-ups until `stop()`, or `until` passes. Collects every acknowledged
 * account and every outcome.
 */
export function signUpLoad(base: string, { workers, label }: { workers: number; label: string }) {
  const accounts: Account[] = [];
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const { outcome, account } = await signUp(base, label);
      outcomes.push(outcome);
      if (account) accounts.push(account);
      if (outcome.status === 0) await sleep(50);
    }
  });
  return {
    accounts,
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Every acknowledged account still signs in with its token: the number found and the ones lost. */
export async function verifyAccounts(base: string, accounts: Account[]) {
  const lost: string[] = [];
  for (let i = 0; i < accounts.length; i += 16) {
    const batch = accounts.slice(i, i + 16);
    const results = await Promise.all(batch.map((account) => me(base, account)));
    results.forEach((result, j) => {
      const account = batch[j] as Account;
      if (result.status !== 200 || result.email !== account.email) lost.push(`${account.email} (${result.status})`);
    });
  }
  return { found: accounts.length - lost.length, lost };
}

/** Counts of outcomes by status (0: no HTTP answer), and the slowest. */
export function tally(outcomes: Outcome[]) {
  const byStatus: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.status === 0 ? `no answer (${outcome.error})` : String(outcome.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const slowest = Math.max(0, ...outcomes.map((o) => o.ms));
  return { total: outcomes.length, byStatus, slowestMs: Math.round(slowest) };
}

export function report(title: string, facts: Record<string, unknown>) {
  console.log(`${title}: ${JSON.stringify(facts)}`);
}

export function verdict(ok: boolean, summary: string): never {
  console.log(`${ok ? 'PASS' : 'FAIL'}: ${summary}`);
  process.exit(ok ? 0 : 1);
}
