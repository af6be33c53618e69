import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { newSecretsKey } from '@strictops/api';
import { resolveDataDir } from '@strictops/db';
import { ConfigError, type ServerConfig } from './config.ts';

/**
 * The key that seals alert channels' secrets. `STRICTOPS_SECRETS_KEY` when set. Without it, on the
 * embedded database, a key made on first start and kept beside that database in the data folder
 * (the two live and die together). On a database of its own it is required: a key that lived in a
 * server's file system could be lost with the server, and with it every channel's secret.
 */
export async function resolveSecretsKey(
  config: Pick<ServerConfig, 'secretsKey' | 'databaseUrl' | 'dataDir'>,
  log: (message: string) => void = () => {},
): Promise<Buffer> {
  if (config.secretsKey) return config.secretsKey;
  if (config.databaseUrl) {
    throw new ConfigError(
      'Invalid configuration:\n  STRICTOPS_SECRETS_KEY is required with DATABASE_URL: it seals alert channel secrets (openssl rand -base64 32)',
    );
  }
  const file = join(dirname(resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir })), 'secrets.key');
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing !== null) {
    const key = Buffer.from(existing.trim(), 'base64');
    if (key.length !== 32) throw new ConfigError(`Invalid configuration:\n  ${file} does not hold a 32-byte key`);
    return key;
  }
  await mkdir(dirname(file), { recursive: true });
  // Written whole to a file of its own, then linked into place: a second server starting at the same
  // moment, or a crash half-way, can never leave a half-written key behind. The loser of a race
  // (EEXIST) reads the winner's key.
  const key = newSecretsKey();
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${key}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return resolveSecretsKey(config, log);
  } finally {
    await unlink(draft);
  }
  log(`STRICTOPS_SECRETS_KEY is unset: made a key for the embedded database in ${file}`);
  return Buffer.from(key, 'base64');
}
