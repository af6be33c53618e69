import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('projects and deployments over REST', () => {
  it('creates a project, rejects a bad strictops.yml with 422 and its problems, and replays an Idempotency-Key', async () => {
    const user = await signUp(t.app, 'rest-projects');
    const auth = { authorization: `Bearer ${user.token}` };
    const project = await t.app.inject({ method: 'POST', url: '/projects', headers: auth, payload: { name: 'REST' } });
    expect(project.statusCode).toBe(200);
    const id = project.json().id;

    const bad = await t.app.inject({
      method: 'PUT',
      url: `/projects/${id}/config`,
      headers: auth,
      payload: { yaml: 'version: 1\nservices:\n  api: { type: rocket }\n' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().data).toMatchObject({
      errorCode: 'INVALID_CONFIG',
      details: { problems: [{ path: 'services.api.type', line: 3 }] },
    });

    const deploy = () =>
      t.app.inject({
        method: 'POST',
        url: '/deployments',
        headers: { ...auth, 'idempotency-key': 'rest-key-1' },
        payload: { projectId: id, environment: 'dev', ref: 'main' },
      });
    const first = await deploy();
    expect(first.statusCode).toBe(200);
    const second = await deploy();
    expect(second.json()).toMatchObject({ replayed: true, deployment: { id: first.json().deployment.id } });
    const other = await t.app.inject({
      method: 'POST',
      url: '/deployments',
      headers: { ...auth, 'idempotency-key': 'rest-key-1' },
      payload: { projectId: id, environment: 'dev', ref: 'other' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().data.errorCode).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('serves the stack plan and strategy changes, and the alerts list, over REST', async () => {
    const user = await signUp(t.app, 'rest-stacks');
    const auth = { authorization: `Bearer ${user.token}` };
    const id = (
      await t.app.inject({ method: 'POST', url: '/projects', headers: auth, payload: { name: 'Stacks' } })
    ).json().id;
    await t.app.inject({
      method: 'PUT',
      url: `/projects/${id}/config`,
      headers: auth,
      payload: { yaml: 'version: 1\nservices:\n  web: { type: static }\nresources:\n  files: { kind: storage }\n' },
    });
    const plan = await t.app.inject({
      method: 'GET',
      url: `/projects/${id}/stack-plan?environment=production&strategy=split-stateful`,
      headers: auth,
    });
    expect(plan.statusCode).toBe(200);
    expect(plan.json()).toMatchObject({ strategy: 'split-stateful', environment: { name: 'production' } });
    expect(plan.json().stacks.map((s: { role: string }) => s.role)).toEqual(['data', 'application']);

    const changed = await t.app.inject({
      method: 'PATCH',
      url: `/projects/${id}/stacks`,
      headers: auth,
      payload: { strategy: 'per-service', dryRun: true },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ strategy: 'per-service', changed: true, applied: false });
    const bad = await t.app.inject({
      method: 'PATCH',
      url: `/projects/${id}/stacks`,
      headers: auth,
      payload: { strategy: 'one-big-stack' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().data).toMatchObject({ errorCode: 'VALIDATION_FAILED', field: 'strategy' });

    const alerts = await t.app.inject({ method: 'GET', url: '/alerts?status=unresolved&limit=10', headers: auth });
    expect(alerts.statusCode).toBe(200);
    expect(alerts.json()).toEqual({ items: [], nextCursor: null });
  });

  it('documents the project routes in the OpenAPI document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/projects',
        '/projects/{id}/config',
        '/projects/{projectId}/stack-plan',
        '/projects/{id}/stacks',
        '/deployments',
        '/environments',
        '/alerts',
      ]),
    );
  });
});
