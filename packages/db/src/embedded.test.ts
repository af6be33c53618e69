import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFolderInUseError } from './data-folder-lock.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts';

let dir: string;
let embedded: EmbeddedPostgres;
const clients: pg.Client[] = [];

async function client() {
  const connection = new pg.Client({ connectionString: embedded.url });
  await connection.connect();
  clients.push(connection);
  return connection;
}

// A PGlite of its own (PGlite starts slowly on a busy machine).
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strictops-embedded-'));
  embedded = await startEmbeddedPostgres(join(dir, 'postgres'));
}, 300_000);
afterAll(async () => {
  await Promise.all(clients.map((connection) => connection.end()));
  await embedded.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the embedded PostgreSQL', () => {
  it('refuses a second start on the same data folder', async () => {
    await expect(startEmbeddedPostgres(join(dir, 'postgres'))).rejects.toThrow(DataFolderInUseError);
  });

  // Guards the shared embedded test database: PGlite is one session, and a role one connection set
  // (the application role) used to become every other connection's role (the owner's purge saw nothing).
  it('keeps each connection’s role to itself, as a real server does', async () => {
    const owner = await client();
    await owner.query(
      `do $$ begin create role embedded_test_role nologin; exception when duplicate_object then null; end $$`,
    );
    const app = await client();
    await app.query('set role embedded_test_role');
    const other = await client();
    for (let round = 0; round < 20; round++) {
      const [a, o, b] = await Promise.all([
        app.query('select current_user as role'),
        owner.query('select current_user as role'),
        other.query('select current_user as role'),
      ]);
      expect([a.rows[0].role, o.rows[0].role, b.rows[0].role]).toEqual(['embedded_test_role', 'postgres', 'postgres']);
    }
    await app.query('reset role');
    expect((await app.query('select current_user as role')).rows[0].role).toBe('postgres');
  });

  // Guards the extended protocol: one client's Parse … Sync runs whole, so parameterized queries from
  // many connections at once never bind each other's statements.
  it('answers each of many concurrent parameterized queries with its own result', async () => {
    const connections = await Promise.all(Array.from({ length: 4 }, () => client()));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (connections[i % connections.length] as pg.Client).query('select $1::int * 2 as n, $2::text as tag', [
          i,
          `q${i}`,
        ]),
      ),
    );
    results.forEach((result, i) => {
      expect(result.rows[0]).toEqual({ n: i * 2, tag: `q${i}` });
    });
  });
});
