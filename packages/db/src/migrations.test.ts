import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrationsList } from './migrations/index.ts';
import { openDatabase } from './orm.ts';
import { tenantTableSecurity } from './testing/catalog.ts';

/** A database of its own: this test replays the migrations from nothing. */
async function emptyDatabase() {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) {
    const dir = await mkdtemp(join(tmpdir(), 'strictops-migrations-'));
    const embedded = await startEmbeddedPostgres(dir);
    return {
      url: embedded.url,
      drop: async () => {
        await embedded.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `strictops_migrations_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

describe('migrations', () => {
  // Guards the rule that a migration adding a tenant table adds its isolation policy with it.
  it('leave every tenant table with forced RLS and its policy after each single migration', async () => {
    const database = await emptyDatabase();
    const orm = await openDatabase({ url: database.url, poolSize: 1, role: 'owner' });
    try {
      for (const migration of migrationsList) {
        await orm.migrator.up({ to: migration.name });
        const tables = await tenantTableSecurity(orm.em.getConnection());
        for (const table of tables) {
          expect(table, `${table.table} after ${migration.name}`).toMatchObject({
            enabled: true,
            forced: true,
            isolation: 1,
          });
        }
      }
      expect(await orm.migrator.getPending()).toEqual([]);
    } finally {
      await orm.close();
      await database.drop();
    }
  });
});
