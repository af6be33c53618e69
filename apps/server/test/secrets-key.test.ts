import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { resolveSecretsKey } from '../src/secrets-key.ts';

const folders: string[] = [];
const folder = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'strictops-secrets-'));
  folders.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the secrets key', () => {
  it('is STRICTOPS_SECRETS_KEY when set, 32 bytes in base64', async () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const config = loadConfig({ STRICTOPS_SECRETS_KEY: key, DATABASE_URL: 'postgres://db/x' });
    expect((await resolveSecretsKey(config)).equals(Buffer.alloc(32, 3))).toBe(true);
    expect(() => loadConfig({ STRICTOPS_SECRETS_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      /STRICTOPS_SECRETS_KEY/,
    );
    expect(() => loadConfig({ STRICTOPS_SECRETS_KEY: 'not base64 at all!' })).toThrow(/STRICTOPS_SECRETS_KEY/);
  });

  it('is required on a database of its own', async () => {
    await expect(resolveSecretsKey(loadConfig({ DATABASE_URL: 'postgres://db/x' }))).rejects.toThrow(ConfigError);
  });

  it('is made once beside the embedded database, readable by its owner only, and kept', async () => {
    const dataDir = await folder();
    const config = loadConfig({ STRICTOPS_DATA_DIR: dataDir });
    const logged: string[] = [];
    const first = await resolveSecretsKey(config, (message) => logged.push(message));
    expect(first).toHaveLength(32);
    const file = join(dataDir, 'secrets.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(logged.join()).toContain(file);
    // A restart, or a second server on the same folder at the same moment: the same key.
    const again = await Promise.all([resolveSecretsKey(config), resolveSecretsKey(config)]);
    for (const key of again) expect(key.equals(first)).toBe(true);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.toString('base64'));
  });

  it('refuses a key file that holds no key', async () => {
    const dataDir = await folder();
    await writeFile(join(dataDir, 'secrets.key'), 'short\n');
    await expect(resolveSecretsKey(loadConfig({ STRICTOPS_DATA_DIR: dataDir }))).rejects.toThrow(/32-byte key/);
  });
});
