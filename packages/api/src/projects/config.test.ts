import { Resource, Service } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, expectError, type TestApi } from '../testing/harness.ts';
import { parseConfig } from './strictops-yml.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const EXAMPLE = `version: 1
project:
  name: Shop
services:
  api:
    type: container
    build: ./api
    port: 8080
    env:
      LOG_LEVEL: info
    resources: [db, uploads]
  web:
    type: static
    build: ./web
resources:
  db:
    kind: database
    engine: postgres
    size: small
  uploads:
    kind: storage
environments:
  production:
    protected: true
    services:
      api:
        env:
          LOG_LEVEL: warn
  preview: {}
`;

describe('strictops.yml parsing', () => {
  it('normalizes a valid file', () => {
    const result = parseConfig(EXAMPLE);
    expect(result.ok).toBe(true);
    if (result.ok) expect(Object.keys(result.config.services)).toEqual(['api', 'web']);
  });

  it('reports every problem with its path, line and column', () => {
    const result = parseConfig(`version: 1
services:
  api:
    type: container
    colour: red
    resources: [cache]
  web:
    type: static
    port: 80
environments:
  prod:
    services:
      worker: {}
`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: 'services.api.colour', message: 'Unknown key "colour"', line: 5, column: 5 },
        expect.objectContaining({
          path: 'services.api.resources.0',
          line: 6,
          message: expect.stringContaining('"cache"'),
        }),
        expect.objectContaining({ path: 'services.web.port', line: 9 }),
        expect.objectContaining({ path: 'environments.prod.services.worker', line: 13 }),
      ]),
    );
  });

  it.each([
    ['wrong types', 'version: 1\nservices:\n  api:\n    type: container\n    port: "eighty"\n', 'services.api.port'],
    ['a wrong version', 'version: 2\n', 'version'],
    [
      'a secret in env',
      'version: 1\nservices:\n  api:\n    type: container\n    env: { DB_PASSWORD: hunter2 }\n',
      'services.api.env.DB_PASSWORD',
    ],
  ])('refuses %s', (_case, text, path) => {
    const result = parseConfig(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });

  it('refuses duplicate names', () => {
    const result = parseConfig('version: 1\nservices:\n  api: { type: static }\n  api: { type: static }\n');
    expect(result).toMatchObject({ ok: false, problems: [{ line: 4, message: expect.stringMatching(/unique/i) }] });
  });

  it('refuses hostile input cleanly: oversize, alias bombs, deep nesting, non-UTF-8', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const deep = `version: 1\nproject: ${'['.repeat(40)}${']'.repeat(40)}\n`;
    for (const text of [
      `version: 1\n# ${'x'.repeat(70_000)}\n`,
      bomb,
      deep,
      'version: 1\nproject: { name: "caf\uFFFD" }\n',
      'version: 1\nx: "\uD800"\n',
    ]) {
      const result = parseConfig(text);
      expect(result.ok).toBe(false);
    }
  });
});

describe('projects.validateConfig and applyConfig', () => {
  it('applies in one go: services, resources, missing environments, revision; the same text twice is a no-op', async () => {
    const admin = await api.signUp('apply');
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'Apply' });
    expect((await call.projects.validateConfig({ id: project.id, yaml: EXAMPLE })).valid).toBe(true);
    const applied = await call.projects.applyConfig({ id: project.id, yaml: EXAMPLE });
    expect(applied).toMatchObject({
      changed: true,
      revision: 1,
      services: 2,
      resources: 2,
      environmentsCreated: ['preview'],
    });
    const again = await call.projects.applyConfig({ id: project.id, yaml: EXAMPLE });
    expect(again).toMatchObject({ changed: false, revision: 1, sha256: applied.sha256 });
    const services = await api.inOrganization(admin.organization.id, (em) =>
      em.find(Service, { project: project.id }, { orderBy: { name: 'asc' } }),
    );
    expect(services.map((s) => [s.name, s.type])).toEqual([
      ['api', 'container'],
      ['web', 'static'],
    ]);
    const smaller = EXAMPLE.replace(/ {2}web:\n {4}type: static\n {4}build: \.\/web\n/, '');
    expect(await call.projects.applyConfig({ id: project.id, yaml: smaller })).toMatchObject({
      changed: true,
      revision: 2,
      services: 1,
    });
  });

  it('a failed apply changes nothing', async () => {
    const admin = await api.signUp('apply-fail');
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'Fail' });
    await call.projects.applyConfig({ id: project.id, yaml: EXAMPLE });
    const error = await expectError(
      call.projects.applyConfig({ id: project.id, yaml: 'version: 1\nservices:\n  api: { type: rocket }\n' }),
      'INVALID_CONFIG',
    );
    expect((error.cause as { details?: { problems?: unknown[] } }).details?.problems?.length).toBeGreaterThan(0);
    expect((await call.projects.get({ id: project.id })).configRevision).toBe(1);
    expect(await api.inOrganization(admin.organization.id, (em) => em.count(Resource, { project: project.id }))).toBe(
      2,
    );
    const report = await call.projects.validateConfig({
      id: project.id,
      yaml: 'version: 1\nservices:\n  api: { type: rocket }\n',
    });
    expect(report).toMatchObject({ valid: false, config: null, problems: [{ path: 'services.api.type', line: 3 }] });
  });

  it('refuses a body over 64 KiB before parsing it', async () => {
    const admin = await api.signUp('oversize');
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'Big' });
    await expectError(
      call.projects.validateConfig({ id: project.id, yaml: `version: 1\n#${'x'.repeat(70_000)}` }),
      'VALIDATION_FAILED',
    );
  });
});
