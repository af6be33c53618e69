import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import { entities } from './entities/index.ts';
import { migrationsList } from './migrations/index.ts';

export type DatabaseOptions = {
  /** A PostgreSQL connection string. */
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** Log every query (MikroORM's debug mode). */
  debug?: boolean;
};

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export function createOrmConfig({ url, poolSize = 10, debug = false }: DatabaseOptions) {
  return defineConfig({
    clientUrl: url,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    debug,
    // Every list is explicit, so nothing is discovered from the file system at run time.
    discovery: { warnWhenNoEntities: true },
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

export async function openDatabase(options: DatabaseOptions): Promise<Orm> {
  return MikroORM.init(createOrmConfig(options));
}

/** Applies every pending migration, each in its own transaction, all or nothing. */
export async function migrateDatabase(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}
