import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrationsList } from './migrations/index.ts';
import { ensureApplicationRole, openDatabase } from './orm.ts';
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

// Each replays the migrations from nothing on a database of its own: minutes on PGlite on a busy machine.
describe('migrations', () => {
  // Guards the rule that a migration adding a tenant table adds its isolation policy with it.
  it('leave every tenant table with forced RLS and its policy after each single migration', async () => {
    const database = await emptyDatabase();
    const orm = await openDatabase({ url: database.url, poolSize: 1, role: 'owner' });
    try {
      await ensureApplicationRole(orm);
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
  }, 180_000);

  it('carries data the earlier AWS rules allowed over the stricter ones', async () => {
    const database = await emptyDatabase();
    const orm = await openDatabase({ url: database.url, poolSize: 1, role: 'owner' });
    try {
      await ensureApplicationRole(orm);
      await orm.migrator.up({ to: 'Migration20261203080000_organization_lock_mode' });
      const sql = (text: string, params: unknown[] = []) => orm.em.getConnection().execute(text, params);
      // As an owner bound by forced row-level security would not see them, write them as the app does.
      const organization = '0190a5a0-0000-7000-8000-000000000001';
      const connection = (id: string, arn: string, verifiedAt: string | null) =>
        sql(
          `insert into aws_connection (id, organization_id, name, external_id, role_arn, account_id, status, verified_at, created_at)
           values (?, ?, ?, ?, ?, '123456789012', 'verified', ?, now())`,
          [id, organization, id.slice(-4), `ext-${id.slice(-4)}`, arn, verifiedAt],
        );
      await sql('begin');
      await sql(`select set_config('app.organization_id', ?, true)`, [organization]);
      await sql(`insert into organization (id, name, slug, tier, created_at) values (?, 'Old', 'old', 'FREE', now())`, [
        organization,
      ]);
      await connection('0190a5a0-0000-7000-8000-00000000000a', 'arn:aws:iam::123456789012:role/Deploy', '2026-01-01');
      await connection(
        '0190a5a0-0000-7000-8000-00000000000b',
        'arn:aws:iam::123456789012:role/ci/deploy',
        '2026-02-01',
      );
      await connection('0190a5a0-0000-7000-8000-00000000000c', 'arn:aws:iam::123456789012:role/DEPLOY', null);
      await sql(
        `insert into project (id, organization_id, name, slug, aws_connection_id, config_revision, created_at)
         values ('0190a5a0-0000-7000-8000-0000000000f1', ?, 'Orphan', 'orphan', '0190a5a0-0000-7000-8000-0000000000dd', 0, now())`,
        [organization],
      );
      await sql('commit');

      await orm.migrator.up();

      await sql('begin');
      await sql(`select set_config('app.organization_id', ?, true)`, [organization]);
      const connections = await sql('select role_arn, status from aws_connection order by id');
      const [project] = await sql('select aws_connection_id from project');
      await sql('commit');
      // The earliest verification keeps the role; the other spellings of it are failed, and the
      // project that pointed at a connection which no longer existed is unlinked.
      expect(connections).toEqual([
        { role_arn: 'arn:aws:iam::123456789012:role/Deploy', status: 'verified' },
        { role_arn: 'arn:aws:iam::123456789012:role/ci/deploy', status: 'failed' },
        { role_arn: 'arn:aws:iam::123456789012:role/DEPLOY', status: 'failed' },
      ]);
      expect(project).toEqual({ aws_connection_id: null });
    } finally {
      await orm.close();
      await database.drop();
    }
  }, 180_000);
});
