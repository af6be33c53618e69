import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { entities } from './entities/index.ts';
import { FusedBeginClient } from './fused-begin.ts';
import { migrationsList } from './migrations/index.ts';
import { APP_ROLE } from './tenancy.ts';

export type DatabaseOptions = {
  /** A PostgreSQL connection string. */
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** Log every query (MikroORM's debug mode). */
  debug?: boolean;
  /**
   * `app` (the default): every connection switches to the application role, which owns nothing
   * and is bound by row-level security. `owner`: connect as the URL's user, for migrations and
   * maintenance only.
   */
  role?: 'app' | 'owner';
  /** Bounds on every wait for the database; unset: wait as long as it takes (tests, maintenance). */
  timeouts?: DatabaseTimeouts;
};

/**
 * How long anything waits for PostgreSQL, so a database that is down, frozen or cut off costs a
 * request seconds, never a hang.
 */
export type DatabaseTimeouts = {
  /** Opening a connection, and waiting for a free one in the pool (`connectionTimeoutMillis`). */
  connectMs: number;
  /**
   * A statement's longest run (`statement_timeout`, enforced by the server). The client gives up on
   * a server that stays silent (frozen, or cut off) a second after that, and drops the connection.
   */
  statementMs: number;
  /** A lock wait's longest (`lock_timeout`): past it the request is a retryable conflict. */
  lockMs: number;
  /** An open transaction left idle this long is ended by the server (`idle_in_transaction_session_timeout`). */
  idleInTransactionMs: number;
};

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

// The driver hands onCreateConnection a Kysely connection; this is the one method used here.
type KyselyConnection = { executeQuery(query: { sql: string; parameters: readonly unknown[] }): Promise<unknown> };

export function createOrmConfig({ url, poolSize = 10, debug = false, role = 'app', timeouts }: DatabaseOptions) {
  return defineConfig({
    clientUrl: url,
    // Production can connect as the application role directly; where the URL names a more powerful
    // user (local development, tests, the embedded database), each connection steps down to it.
    onCreateConnection:
      role === 'app'
        ? async (connection) => {
            await (connection as KyselyConnection).executeQuery({ sql: `set role ${APP_ROLE}`, parameters: [] });
          }
        : undefined,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    driverOptions: {
      ...(timeouts ? boundedPoolOptions(timeouts) : {}),
      // `begin` travels with the transaction's first statement: one round trip fewer per request.
      Client: FusedBeginClient,
    },
    debug,
    // The tenant filter is applied to each table's own organization_id, never through its
    // relations: a tenant row's parents are in its organization by construction (inserts set the
    // organization; row-level security's WITH CHECK refuses any other), so joining them only to
    // filter again (MikroORM's default) made every list read all of an organization's rows and sort.
    autoJoinRefsForFilters: false,
    // Every list is explicit, so nothing is discovered from the file system at run time.
    discovery: { warnWhenNoEntities: true },
    // Hand-written SQL in migrations (the last-admin trigger, narrow SECURITY DEFINER look-ups,
    // policies for the owner) is not mirrored in entity metadata: never drop it. Declared tenant
    // policies are still created with their tables.
    schemaGenerator: { ignoreTriggers: true, ignoreRoutines: true, ignorePolicies: true },
    migrations: {
      path: MIGRATIONS_DIR,
      emit: 'ts',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  });
}

export type Orm = MikroORM;

// The node-postgres client and pool as far as the bounds below need them.
type PgClient = { query(...args: unknown[]): unknown; connection: { stream: { destroy(): void } } };
type PgPool = { on(event: 'connect', listener: (client: PgClient) => void): void };

/** node-postgres options for `timeouts` (MikroORM passes driverOptions to its pool). */
function boundedPoolOptions(timeouts: DatabaseTimeouts) {
  return {
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    query_timeout: timeouts.statementMs + 1000,
    // A peer that vanished without a word (a partition) is noticed by TCP, not only by the next query.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    onPoolCreated: (pool: PgPool) => pool.on('connect', dropConnectionOnReadTimeout),
  };
}

/**
 * node-postgres gives up waiting for a silent server (`query_timeout`) but keeps the connection,
 * whose next query (the transaction's rollback, the next request's) would wait out the same silence.
 * Such a connection is closed instead: the pool discards it and later requests fail fast or get a
 * fresh connection.
 */
function dropConnectionOnReadTimeout(client: PgClient) {
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if ((error as Error | undefined)?.message === 'Query read timeout') client.connection.stream.destroy();
      });
    }
    return result;
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Orm> {
  return MikroORM.init(createOrmConfig(options));
}

/**
 * Makes sure the application role exists before any migration runs. Roles are cluster-wide, so two
 * databases on one server migrating at once (parallel test runs, two services sharing a cluster)
 * race to create it: the loser of that race sees a unique violation on pg_authid, which the first
 * migration's `exception when duplicate_object` does not catch (nor does its grant of the role to
 * the owner). Made here first, both are already there when the migration asks; an owner without
 * CREATEROLE is fine as long as the role exists.
 */
export async function ensureApplicationRole(orm: Orm): Promise<void> {
  await orm.em.getConnection().execute(
    `do $$ begin
       if not exists (select from pg_roles where rolname = '${APP_ROLE}') then
         create role ${APP_ROLE} nologin nosuperuser nobypassrls;
       end if;
       -- pg_has_role() is always true for a superuser, so ask the catalog for the grant itself.
       if not exists (select from pg_auth_members
                      where roleid = '${APP_ROLE}'::regrole and member = current_user::regrole) then
         grant ${APP_ROLE} to current_user;
       end if;
     exception when duplicate_object or unique_violation then null;
     end $$`,
  );
}

/**
 * Applies every pending migration, each in its own transaction, all or nothing, under a
 * PostgreSQL advisory lock: replicas starting together take turns, and the ones that find the
 * work done start at once. The lock belongs to a connection of its own, so a migrator killed
 * half-way releases it with its connection.
 */
export async function migrateDatabase(
  orm: Orm,
  { log = () => {} }: { log?: (message: string) => void } = {},
): Promise<string[]> {
  const lock = new pg.Client({ connectionString: orm.config.get('clientUrl') });
  await lock.connect();
  try {
    const taken = await lock.query('select pg_try_advisory_lock($1) as taken', [MIGRATIONS_LOCK]);
    if (!taken.rows[0]?.taken) {
      log('another process is migrating this database: waiting for it to finish');
      await lock.query('select pg_advisory_lock($1)', [MIGRATIONS_LOCK]);
    }
    if ((await orm.migrator.getPending()).length) await ensureApplicationRole(orm);
    const applied = await orm.migrator.up();
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end();
  }
}

/** The advisory lock key of migrations (any fixed bigint; this one spells "strictop"). */
export const MIGRATIONS_LOCK = '8319400208625856368';

/** Connects as the owner, applies pending migrations, disconnects. */
export async function migrateDatabaseAt(
  url: string,
  options: { log?: (message: string) => void } = {},
): Promise<string[]> {
  const orm = await openDatabase({ url, poolSize: 1, role: 'owner' });
  try {
    return await migrateDatabase(orm, options);
  } finally {
    await orm.close();
  }
}
