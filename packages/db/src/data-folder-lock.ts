import { once } from 'node:events';
import { closeSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { basename, dirname, join } from 'node:path';

/** A second process tried to open a data folder that a live process holds. */
export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError';
  readonly folder: string;
  readonly holderPid: number | undefined;
  constructor(folder: string, holderPid: number | undefined) {
    super(
      `The data folder ${folder} is in use by another StrictOps process (PID ${holderPid ?? 'unknown'}): ` +
        'stop it first, or give this one another STRICTOPS_DATA_DIR',
    );
    this.folder = folder;
    this.holderPid = holderPid;
  }
}

export type DataFolderLock = { release(): Promise<void> };

/**
 * Makes this process the one owner of `folder` (two PostgreSQL processes writing one data folder
 * lose each other's commits). The lock is a Unix socket beside the folder that this process listens
 * on: the kernel closes it when the process ends, however it ends, so a `kill -9` leaves no lock
 * that a live process would answer on. A second process finds the socket, connects, reads the
 * holder's PID and refuses; a socket nobody listens on is a dead owner's, and is taken over.
 */
export async function lockDataFolder(folder: string): Promise<DataFolderLock> {
  const path = join(dirname(folder), `${basename(folder)}.lock`);
  const address = socketAddress(path);
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = createServer((socket) => socket.end(`${process.pid}\n`));
    try {
      server.listen(address.bindable);
      await once(server, 'listening');
      server.unref();
      return { release: () => closeLock(server, address) };
    } catch (error) {
      server.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        address.close();
        throw error;
      }
    }
    const found = identityOf(address.bindable);
    const holder = await probe(address.bindable);
    if (holder.alive) {
      address.close();
      throw new DataFolderInUseError(folder, holder.pid);
    }
    removeIfStill(address.bindable, found);
  }
  address.close();
  throw new Error(`Could not take the lock on ${folder}: it keeps changing hands`);
}

type SocketAddress = { bindable: string; close(): void };

/**
 * Unix socket paths are limited to about 100 bytes. A longer one is reached through the data
 * folder's parent opened as a file descriptor (`/proc/self/fd/N/…`, Linux), which names the same file.
 */
function socketAddress(path: string): SocketAddress {
  if (Buffer.byteLength(path) <= 100) return { bindable: path, close() {} };
  if (process.platform !== 'linux') {
    throw new Error(`The data folder's path is too long for its lock (${path}): choose a shorter STRICTOPS_DATA_DIR`);
  }
  const fd = openSync(dirname(path), 'r');
  return { bindable: `/proc/self/fd/${fd}/${basename(path)}`, close: () => closeSync(fd) };
}

async function closeLock(server: Server, address: SocketAddress) {
  // Closing the listening socket also removes its file.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  address.close();
}

/** Whether a process listens on the lock, and its PID if it said. */
async function probe(path: string): Promise<{ alive: boolean; pid?: number }> {
  return new Promise((resolve) => {
    const socket = connect(path);
    let answer = '';
    // A holder that is stopped (SIGSTOP) still has the kernel accept for it: alive, PID unknown.
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ alive: true });
    }, 2000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      const pid = Number.parseInt(answer, 10);
      resolve({ alive: true, pid: Number.isSafeInteger(pid) ? pid : undefined });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // ECONNREFUSED: the file is there, nobody listens. ENOENT: it has just been released.
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? { alive: false } : { alive: true });
    });
  });
}

/** Which file is at `path`: inode numbers are reused at once, so its change time (ns) goes with it. */
function identityOf(path: string): string | undefined {
  try {
    const stat = lstatSync(path, { bigint: true });
    return `${stat.ino}:${stat.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/**
 * Removes a dead owner's socket, but only if it is still the very file found dead: another process
 * may have taken it over meanwhile. Checked and removed synchronously, so no other taker in this
 * process runs in between (between processes the window is a few microseconds).
 */
function removeIfStill(path: string, identity: string | undefined) {
  if (identity === undefined || identityOf(path) !== identity) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
