// A REST client generated from /openapi.json as a user would make one (openapi-typescript for the
// types, openapi-fetch for the calls), type-checked and run against the real server: it signs up,
// reads /auth/me, creates and lists projects, and handles an error typed by the Error schema.
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from './test-app.ts';

const require = createRequire(import.meta.url);
let t: Awaited<ReturnType<typeof createTestApp>>;
let baseUrl: string;
let project: string;

beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Parameters<typeof openapiTS>[0];
  project = await mkdtemp(join(tmpdir(), 'strictops-openapi-client-'));
  await writeFile(join(project, 'api.ts'), astToString(await openapiTS(document)));
  await writeFile(join(project, 'client.ts'), CLIENT);
  await writeFile(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        target: 'es2022',
        lib: ['es2023', 'dom'],
        types: [],
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: false,
      },
      files: ['client.ts'],
    }),
  );
  await mkdir(join(project, 'node_modules'));
  await symlink(
    await realpath(dirname(require.resolve('openapi-fetch/package.json'))),
    join(project, 'node_modules', 'openapi-fetch'),
  );
}, 120_000);

afterAll(async () => {
  await t?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('a client generated from /openapi.json', () => {
  it('type-checks, with a type per domain object and the error codes as a union', { timeout: 120_000 }, () => {
    const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('signs up, reads /auth/me, creates and lists projects, and handles a typed error', {
    timeout: 60_000,
  }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(project, 'client.ts')], {
      env: { ...process.env, STRICTOPS_URL: baseUrl },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result).toMatchObject({
      me: expect.stringMatching(/@example\.com$/),
      created: 'Generated',
      listed: ['Generated'],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      taken: { status: 409, errorCode: 'EMAIL_TAKEN', field: 'email' },
    });
  });
});

const CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api.ts';

type ApiError = components['schemas']['Error'];
type Project = components['schemas']['Project'];

const api = createClient<paths>({ baseUrl: process.env.STRICTOPS_URL ?? 'http://localhost:3000' });
const email = \`generated-\${Date.now()}-\${Math.random().toString(36).slice(2)}@example.com\`;
const body = { email, password: 'correct horse battery', name: 'Generated' };

const signedUp = await api.POST('/auth/sign-up', { body });
if (!signedUp.data) throw new Error(\`sign-up failed: \${JSON.stringify(signedUp.error)}\`);
const headers = { authorization: \`Bearer \${signedUp.data.session.token}\` };

const me = await api.GET('/auth/me', { headers });
const created = await api.POST('/projects', { headers, body: { name: 'Generated' } });
const project: Project | undefined = created.data;
const listed = await api.GET('/projects', { headers, params: { query: { limit: 10 } } });

const again = await api.POST('/auth/sign-up', { body });
const error: ApiError | undefined = again.error;
const errorCode: ApiError['data']['errorCode'] | undefined = error?.data.errorCode;
if (errorCode === 'EMAIL_TAKEN') {
  // The codes are a union: a misspelt one does not compile.
  // @ts-expect-error: not an error code
  const typo: ApiError['data']['errorCode'] = 'EMAIL_TAKN';
  void typo;
}

console.log(
  JSON.stringify({
    me: me.data?.user.email,
    created: project?.name,
    createdAt: project?.createdAt,
    listed: listed.data?.items.map((item) => item.name),
    taken: { status: again.response.status, errorCode, field: error?.data.field },
  }),
);

declare const process: { env: Record<string, string | undefined> };
`;
