import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderInUseError, lockDataFolder } from './data-folder-lock.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strictops-lock-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A separate process holding the lock on `folder` until it is killed. */
async function holderProcess(folder: string) {
  const module = fileURLToPath(new URL('./data-folder-lock.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockDataFolder } = await import(${JSON.stringify(module)});
       await lockDataFolder(${JSON.stringify(folder)});
       console.log('locked');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(line.toString()).toContain('locked');
  return child;
}

describe('lockDataFolder', () => {
  it('refuses a second owner, naming the folder and the holder’s PID', async () => {
    const folder = join(root, 'postgres');
    const holder = await holderProcess(folder);
    try {
      const refusal = await lockDataFolder(folder).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(DataFolderInUseError);
      expect((refusal as DataFolderInUseError).holderPid).toBe(holder.pid);
      expect((refusal as Error).message).toContain(folder);
      expect((refusal as Error).message).toContain(`PID ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  // Guards against a lock that outlives its process: a crashed server must not block the next start.
  it('is free again after its holder is killed with SIGKILL', async () => {
    const folder = join(root, 'postgres');
    const holder = await holderProcess(folder);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(existsSync(join(root, 'postgres.lock'))).toBe(true); // the dead holder's socket file stays…
    const lock = await lockDataFolder(folder); // …and is taken over
    await lock.release();
  });

  it('is free again once released, and removes its file', async () => {
    const folder = join(root, 'postgres');
    const first = await lockDataFolder(folder);
    await expect(lockDataFolder(folder)).rejects.toThrow(DataFolderInUseError);
    await first.release();
    expect(existsSync(join(root, 'postgres.lock'))).toBe(false);
    const second = await lockDataFolder(folder);
    await second.release();
  });

  it('gives exactly one of many simultaneous takers the folder, stale lock or not', async () => {
    const folder = join(root, 'postgres');
    const holder = await holderProcess(folder);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataFolder(folder)));
    const won = attempts.filter((attempt) => attempt.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') expect(attempt.reason).toBeInstanceOf(DataFolderInUseError);
    }
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it('works for a folder whose path is longer than a socket address', async () => {
    const folder = join(root, 'a'.repeat(60), 'b'.repeat(60), 'postgres');
    await mkdir(join(root, 'a'.repeat(60), 'b'.repeat(60)), { recursive: true });
    const lock = await lockDataFolder(folder);
    await expect(lockDataFolder(folder)).rejects.toThrow(DataFolderInUseError);
    await lock.release();
    await (await lockDataFolder(folder)).release();
  });
});
