import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The embedded database's folder: STRICTOPS_DATA_DIR, or `.data/` at the repository root. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(REPOSITORY_ROOT, env.STRICTOPS_DATA_DIR ?? '.data', 'postgres');
}
