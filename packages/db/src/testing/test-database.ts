import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrateDatabaseAt } from '../orm.ts';

export type TestDatabase = {
  url: string;
  /** True when no TEST_DATABASE_URL was given and the tests run on PGlite. */
  embedded: boolean;
  drop(): Promise<void>;
};

/**
 * A migrated, throwaway database for one test run. With TEST_DATABASE_URL (a server the tests may
 * create databases on) it is a fresh database there, dropped afterwards; without it, an embedded
 * PGlite in a temporary folder, so `npm test` works on a machine with nothing but Node.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'strictops-test-'));
    const embedded = await startEmbeddedPostgres(dir);
    await migrate(embedded.url);
    return {
      url: embedded.url,
      embedded: true,
      async drop() {
        await embedded.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  const name = `strictops_test_${process.pid}_${Date.now().toString(36)}`;
  await onServer(serverUrl, `create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    embedded: false,
    drop: () => onServer(serverUrl, `drop database if exists "${name}" with (force)`),
  };
}

async function onServer(serverUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function migrate(url: string) {
  await migrateDatabaseAt(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(TEST_SUPPORT_SQL);
  } finally {
    await client.end();
  }
}

/**
 * Test-only objects, installed as the owner because the tests run as the application role: a
 * trigger that makes the session insert fail for users named `fail-midway…`, so a test can prove
 * that a multi-step write (sign-up) leaves nothing behind when its last step fails.
 */
export const FAIL_MIDWAY_PREFIX = 'fail-midway';
const TEST_SUPPORT_SQL = `
  create or replace function strictops_test_fail_midway() returns trigger language plpgsql as $$
  begin
    if exists (select 1 from "user" where id = new.user_id and name like '${FAIL_MIDWAY_PREFIX}%') then
      raise exception 'session insert failed on purpose (test support)';
    end if;
    return new;
  end $$;
  create trigger strictops_test_fail_midway before insert on "session"
    for each row execute function strictops_test_fail_midway();
`;
