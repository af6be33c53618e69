import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, expectError, type TestApi } from '../testing/harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe('environments', () => {
  it('are created, renamed, protected and deleted, unique per project, limited per project', async () => {
    const admin = await api.signUp('environments');
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'Envs' });
    // FREE allows three environments per project, which the defaults already use.
    await expectError(call.environments.create({ projectId: project.id, name: 'qa' }), 'LIMIT_REACHED');
    const dev = project.environments.find((e) => e.name === 'dev');
    const renamed = await call.environments.update({ id: dev?.id as string, name: 'development', protected: true });
    expect(renamed).toMatchObject({ name: 'development', protected: true });
    await expect(call.environments.delete({ id: dev?.id as string })).resolves.toEqual({ ok: true });
    await expectError(call.environments.create({ projectId: project.id, name: 'staging' }), 'CONFLICT');
    await expect(call.environments.create({ projectId: project.id, name: 'qa' })).resolves.toMatchObject({
      name: 'qa',
    });
    expect((await call.environments.list({ projectId: project.id })).items.map((e) => e.name)).toEqual([
      'staging',
      'production',
      'qa',
    ]);
    await expectError(call.environments.create({ projectId: project.id, name: 'Bad Name' }), 'VALIDATION_FAILED');
  });

  it('cannot be deleted while deployments run in them', async () => {
    const admin = await api.signUp('env-busy');
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'Busy env' });
    await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'main' });
    const dev = project.environments.find((e) => e.name === 'dev');
    await expectError(call.environments.delete({ id: dev?.id as string }), 'DEPLOYMENTS_RUNNING');
  });
});
