import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PURGE = fileURLToPath(new URL('../src/cli/purge-organizations.ts', import.meta.url));

describe('purge command', () => {
  it('hard-deletes organizations deleted over 30 days ago and prints what it removed', async () => {
    const user = await signUp(t.app, 'purge-cli');
    const auth = { authorization: `Bearer ${user.token}` };
    const organization = (await t.app.inject({ method: 'GET', url: '/organizations/current', headers: auth })).json();
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/organizations/current?confirmSlug=${organization.slug}`,
      headers: auth,
    });
    expect(deleted.statusCode).toBe(200);
    await t.orm.em
      .fork()
      .nativeUpdate(Organization, { id: organization.id }, { deletedAt: new Date(Date.now() - 31 * 86_400_000) });

    const { stdout } = await promisify(execFile)(process.execPath, [PURGE], {
      env: { PATH: process.env.PATH, DATABASE_URL: inject('databaseUrl'), NODE_ENV: 'test' },
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(report.olderThanDays).toBe(30);
    expect(report.organizations.map((o: { id: string }) => o.id)).toContain(organization.id);
    expect(await t.orm.em.fork().count(Organization, { id: organization.id })).toBe(0);
  });
});
