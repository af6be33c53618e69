import { mkdir } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { lockDataFolder } from './data-folder-lock.ts';

export type EmbeddedPostgres = {
  /** Connection string for the ordinary PostgreSQL driver. */
  url: string;
  stop(): Promise<void>;
};

/**
 * Starts PostgreSQL in-process (PGlite) on a loopback port, so the server, its migrations and its
 * tests run the same driver and SQL as in production. PGlite is a single database session: clients
 * take turns, one transaction at a time, which is fine for local development and wrong for proving
 * anything about concurrency. The data folder is locked first: one process owns it (see
 * data-folder-lock.ts); a second one is refused with the holder's PID.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataFolder(dataDir);
  try {
    const db = await PGlite.create(dataDir);
    const sessions = new SessionQueue(
      db,
      (await db.query<{ role: string }>('select session_user as role')).rows[0]?.role,
    );
    const handlers = new Set<PGLiteSocketHandler>();
    const server = createServer((socket: Socket) => {
      const handler = new PGLiteSocketHandler({ queryQueue: sessions.asQueryQueue(), closeOnDetach: true });
      handlers.add(handler);
      for (const event of ['close', 'error']) handler.addEventListener(event, () => handlers.delete(handler));
      void handler.attach(socket).catch(() => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
    const { port } = server.address() as { port: number };
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        await Promise.all([...handlers].map((handler) => handler.detach(true)));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

type Job = {
  client: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
};

/**
 * Feeds the one PGlite session from many client connections, keeping for each client what a real
 * server keeps per connection and our code relies on:
 * - a transaction, and an extended-protocol exchange (Parse … Sync), run to its end before another
 *   client's message is let in, so no client binds another's unnamed statement;
 * - the role it set (`set role`): the application's connections run as the application role while a
 *   maintenance or test connection runs as the owner, so each client's role is put back when its
 *   turn comes.
 */
class SessionQueue {
  #jobs: Job[] = [];
  #running = false;
  /** The client whose message ran last. */
  #current: number | undefined;
  /** Its extended-protocol exchange has not reached Sync yet. */
  #exchangeOpen = false;
  /** The role each client left the session in. */
  #roles = new Map<number, string>();

  private readonly db: PGlite;
  private readonly sessionRole: string;
  constructor(db: PGlite, sessionRole = 'postgres') {
    this.db = db;
    this.sessionRole = sessionRole;
  }

  /** The handler's declared type has private members; this object has the same public methods. */
  asQueryQueue(): PGLiteSocketHandlerOptions['queryQueue'] {
    return this as unknown as PGLiteSocketHandlerOptions['queryQueue'];
  }

  enqueue(client: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#jobs.push({ client, message, onData, resolve, reject });
      void this.#run();
    });
  }

  getQueueLength() {
    return this.#jobs.length;
  }

  clearQueueForHandler(client: number) {
    this.#jobs = this.#jobs.filter((job) => {
      if (job.client === client) job.reject(new Error('Handler disconnected'));
      return job.client !== client;
    });
  }

  /** A client went away: roll back what it left open and let the others in. */
  async clearTransactionIfNeeded(client: number) {
    this.#roles.delete(client);
    if (this.#current !== client) return;
    if (this.db.isInTransaction()) await this.db.exec('rollback');
    this.#current = undefined;
    this.#exchangeOpen = false;
    await this.#run();
  }

  async #run() {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#jobs.length > 0) {
        const busy = this.#current !== undefined && (this.#exchangeOpen || this.db.isInTransaction());
        // While busy, only the current client's next message may run; it will arrive.
        const index = busy ? this.#jobs.findIndex((job) => job.client === this.#current) : 0;
        if (index === -1) break;
        const [job] = this.#jobs.splice(index, 1) as [Job];
        try {
          if (job.client !== this.#current) await this.#switchTo(job.client);
          let bytes = 0;
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(job.message, {
              onRawData: (data) => {
                bytes += data.length;
                job.onData(data);
              },
            }),
          );
          this.#exchangeOpen = !endsExchange(job.message);
          job.resolve(bytes);
        } catch (error) {
          job.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #switchTo(client: number) {
    const role = async () => (await this.db.query<{ role: string }>('select current_user as role')).rows[0]?.role;
    const left = await role();
    if (this.#current !== undefined && left) this.#roles.set(this.#current, left);
    const wanted = this.#roles.get(client) ?? this.sessionRole;
    if (wanted !== left) {
      await this.db.exec(wanted === this.sessionRole ? 'reset role' : `set role "${wanted.replaceAll('"', '""')}"`);
    }
    this.#current = client;
    this.#exchangeOpen = false;
  }
}

/**
 * Whether a client message ends an exchange, after which the server is ready for anyone: a simple
 * Query ('Q'), a Sync ('S'), a Terminate ('X'), or the startup packet (which has no type byte and
 * starts with its length's high byte, 0).
 */
function endsExchange(message: Uint8Array): boolean {
  const type = message[0];
  return type === 0x51 || type === 0x53 || type === 0x58 || type === 0;
}
