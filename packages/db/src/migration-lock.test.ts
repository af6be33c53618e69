import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrationsList } from './migrations/index.ts';
import { migrateDatabaseAt } from './orm.ts';

const server = process.env.TEST_DATABASE_URL;

async function onServer(sql: string) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

describe('migrations under the advisory lock', () => {
  // Guards replicas starting together on an empty database: without the lock, one of two failed
  // with a duplicate key on pg_type in every trial. PGlite is one session (and its data folder has
  // one owner), so this needs the real PostgreSQL.
  it.skipIf(!server)(
    'let two migrators started at once take turns: one applies everything, the other nothing',
    async () => {
      const name = `strictops_migration_lock_${process.pid}_${Date.now().toString(36)}`;
      await onServer(`create database "${name}"`);
      try {
        const url = new URL(server as string);
        url.pathname = `/${name}`;
        const waited: string[] = [];
        const runs = await Promise.all([
          migrateDatabaseAt(url.toString(), { log: (message) => waited.push(message) }),
          migrateDatabaseAt(url.toString(), { log: (message) => waited.push(message) }),
        ]);
        expect(runs.map((applied) => applied.length).sort((a, b) => a - b)).toEqual([0, migrationsList.length]);
        expect(waited).toEqual(['another process is migrating this database: waiting for it to finish']);
      } finally {
        await onServer(`drop database if exists "${name}" with (force)`);
      }
    },
  );
});
