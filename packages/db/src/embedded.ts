import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export type EmbeddedPostgres = {
  /** Connection string for the ordinary PostgreSQL driver. */
  url: string;
  stop(): Promise<void>;
};

/**
 * Starts PostgreSQL in-process (PGlite) on a loopback port, so the server, its migrations and its
 * tests run the same driver and SQL as in production. PGlite is a single database session: the
 * socket server accepts several clients but runs one transaction at a time, which is fine for
 * local development and wrong for proving anything about concurrency.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
