import { AuditEvent, AwsConnection, Deployment, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';
import { compactId } from './stack-plan.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

/** Two services and four resources: the project every strategy below is documented with. */
const SHOP = `version: 1
services:
  api:
    type: container
    port: 8080
    resources: [db, cache, uploads]
  worker:
    type: function
    resources: [jobs, db]
resources:
  db:
    kind: database
    engine: postgres
  cache:
    kind: cache
    engine: redis
  uploads:
    kind: storage
  jobs:
    kind: queue
`;

async function shop(label: string, yaml = SHOP) {
  const admin = await api.signUp(label);
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'ENTERPRISE' });
  const call = api.call({ token: admin.token, organization: admin.organization.id });
  const project = await call.projects.create({ name: unique('Shop') });
  await call.projects.applyConfig({ id: project.id, yaml });
  const environment = (name: string) => project.environments.find((e) => e.name === name) as { id: string };
  return { admin, call, project, environment };
}

/** Claims queued deployments until `id` comes up (other tests' deployments may be older). */
async function claim(id: string) {
  const worker = api.call({ token: api.serviceToken }).internal.deployments;
  for (let i = 0; i < 500; i++) {
    const claimed = await worker.claim({ workerId: 'stacks-test' });
    if (!claimed.deployment || claimed.deployment.id === id) return claimed;
  }
  throw new Error(`deployment ${id} was never claimed`);
}

const DATABASE_OUTPUTS = ['endpoint', 'port', 'secret-arn', 'security-group-id'];
const CACHE_OUTPUTS = ['endpoint', 'port', 'security-group-id'];
const STORAGE_OUTPUTS = ['bucket-name', 'bucket-arn'];
const QUEUE_OUTPUTS = ['queue-url', 'queue-arn'];
const exportsOf = (stack: string, resource: string, attributes: string[]) =>
  attributes.map((attribute) => `${stack}:${resource}:${attribute}`);
const ALL_RESOURCES = ['cache', 'db', 'jobs', 'uploads'];
/** The data stack of every strategy that splits: all the stateful resources, exported for the others. */
const DATA_STACK = {
  suffix: '-data',
  role: 'data',
  dependsOn: [],
  terminationProtection: true,
  resources: ALL_RESOURCES,
  services: [],
  templateResources: 11,
  outputs: (data: string) => [
    ...exportsOf(data, 'cache', CACHE_OUTPUTS),
    ...exportsOf(data, 'db', DATABASE_OUTPUTS),
    ...exportsOf(data, 'jobs', QUEUE_OUTPUTS),
    ...exportsOf(data, 'uploads', STORAGE_OUTPUTS),
  ],
  imports: [],
  parameters: [],
};

describe('the documented plan of each strategy (two services, four resources)', () => {
  // Each row is the plan docs/stack-strategies.md shows for production; `<base>` is
  // so-<project id>-<environment id>, both in 26 characters of base 32.
  const table = [
    {
      strategy: 'per-environment',
      stacks: [
        {
          suffix: '',
          role: 'environment',
          dependsOn: [],
          terminationProtection: true,
          resources: ALL_RESOURCES,
          services: ['api', 'worker'],
          // RDS 4 + ElastiCache 3 + S3 2 + SQS 2, ECS service 5 + Lambda 3, three ingress rules.
          templateResources: 22,
          outputs: () => [],
          imports: [],
          parameters: ['api:image-uri', 'worker:code-key'],
        },
      ],
    },
    {
      strategy: 'split-stateful',
      stacks: [
        DATA_STACK,
        {
          suffix: '-app',
          role: 'application',
          dependsOn: ['-data'],
          terminationProtection: true, // production is protected
          resources: [],
          services: ['api', 'worker'],
          templateResources: 11,
          outputs: () => [],
          imports: ['cache', 'db', 'jobs', 'uploads'],
          parameters: ['api:image-uri', 'worker:code-key'],
        },
      ],
    },
    {
      strategy: 'per-service',
      stacks: [
        DATA_STACK,
        {
          suffix: '-svc-api',
          role: 'service',
          dependsOn: ['-data'],
          terminationProtection: true,
          resources: [],
          services: ['api'],
          templateResources: 7,
          outputs: () => [],
          imports: ['cache', 'db', 'uploads'],
          parameters: ['api:image-uri'],
        },
        {
          suffix: '-svc-worker',
          role: 'service',
          dependsOn: ['-data'],
          terminationProtection: true,
          resources: [],
          services: ['worker'],
          templateResources: 4,
          outputs: () => [],
          imports: ['db', 'jobs'],
          parameters: ['worker:code-key'],
        },
      ],
    },
  ] as const;

  it.each(table)('$strategy', async ({ strategy, stacks }) => {
    const { call, project, environment } = await shop(`plan-${strategy}`);
    const plan = await call.projects.stackPlan({ projectId: project.id, environment: 'production', strategy });
    const base = `so-${compactId(project.id)}-${compactId(environment('production').id)}`;
    const data = `${base}-data`;
    const OUTPUTS: Record<string, string[]> = {
      cache: CACHE_OUTPUTS,
      db: DATABASE_OUTPUTS,
      jobs: QUEUE_OUTPUTS,
      uploads: STORAGE_OUTPUTS,
    };
    expect(plan).toMatchObject({
      version: 1,
      strategy,
      project: { id: project.id, slug: project.slug },
      environment: { name: 'production', protected: true },
      region: 'us-east-1',
      awsConnection: null,
    });
    expect(
      plan.stacks.map((s) => ({
        ...s,
        resources: s.resources.map((r) => r.name),
        services: s.services.map((x) => x.name),
        outputs: s.outputs.map((o) => o.exportName),
        imports: [...new Set(s.imports.map((i) => `${i.fromStack}|${i.resource}`))],
        parameters: s.parameters.map((p) => `${p.service}:${p.name}`),
      })),
    ).toEqual(
      stacks.map((s) => ({
        name: `${base}${s.suffix}`,
        role: s.role,
        dependsOn: s.dependsOn.map((suffix) => `${base}${suffix}`),
        terminationProtection: s.terminationProtection,
        resources: s.resources,
        services: s.services,
        outputs: s.outputs(data),
        imports: s.imports.map((resource) => `${data}|${resource}`),
        parameters: s.parameters,
        templateResources: s.templateResources,
        tags: {
          'strictops:project': project.slug,
          'strictops:environment': 'production',
          'strictops:stack-role': s.role,
        },
      })),
    );
    // Every import names an export of the stack it depends on, attribute for attribute.
    for (const stack of plan.stacks) {
      for (const i of stack.imports) expect(i.exportName).toBe(`${i.fromStack}:${i.resource}:${i.attribute}`);
      const imported = new Set(stack.imports.map((i) => i.resource));
      for (const resource of imported) {
        expect(stack.imports.filter((i) => i.resource === resource).map((i) => i.attribute)).toEqual(OUTPUTS[resource]);
      }
    }
    // Stateful resources are kept when their stack is deleted, whatever the strategy.
    expect(plan.stacks.flatMap((s) => s.resources.map((r) => r.deletionPolicy))).toEqual([
      'Retain',
      'Retain',
      'Retain',
      'Retain',
    ]);
  });

  it('protects only stacks that hold data in an environment that is not protected', async () => {
    const { call, project } = await shop('unprotected');
    const plan = await call.projects.stackPlan({ projectId: project.id, environment: 'dev', strategy: 'per-service' });
    expect(plan.stacks.map((s) => [s.role, s.terminationProtection])).toEqual([
      ['data', true],
      ['service', false],
      ['service', false],
    ]);
  });

  it('names the AWS connection the project deploys through, and finds the environment by id as by name', async () => {
    const { admin, call, project, environment } = await shop('aws-connection');
    const connection = await api.inOrganization(admin.organization.id, async (em) => {
      const row = em.create(AwsConnection, {
        organization: admin.organization.id,
        name: 'Production account',
        externalId: unique('external'),
        roleArn: 'arn:aws:iam::123456789012:role/StrictOpsDeploy',
        accountId: '123456789012',
        status: 'verified',
        verifiedAt: new Date(),
      });
      await em.flush();
      return row;
    });
    await call.projects.update({ id: project.id, awsConnectionId: connection.id });
    const byId = await call.projects.stackPlan({ projectId: project.id, environment: environment('staging').id });
    expect(byId.environment.name).toBe('staging');
    expect(byId.awsConnection).toEqual({
      id: connection.id,
      accountId: '123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/StrictOpsDeploy',
      externalId: connection.externalId,
    });
    await expectError(
      call.projects.stackPlan({ projectId: project.id, environment: 'nowhere' }),
      'ENVIRONMENT_NOT_FOUND',
    );
  });
});

describe('the stacks section of strictops.yml', () => {
  it('sets the strategy and the region, and reports a bad one with its line and column', async () => {
    const { call, project } = await shop(
      'yml-stacks',
      `version: 1\nstacks:\n  strategy: per-service\n  region: eu-central-1\n`,
    );
    const plan = await call.projects.stackPlan({ projectId: project.id, environment: 'dev' });
    expect(plan).toMatchObject({ strategy: 'per-service', region: 'eu-central-1' });
    expect((await call.projects.get({ id: project.id })).stacks).toEqual({
      strategy: 'per-service',
      region: 'eu-central-1',
    });

    const invalid = await call.projects.validateConfig({
      id: project.id,
      yaml: 'version: 1\nstacks:\n  strategy: one-big-stack\n  region: Europe\n  colour: red\n',
    });
    expect(invalid.valid).toBe(false);
    expect(invalid.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'stacks.strategy', line: 3, column: 13 }),
        expect.objectContaining({ path: 'stacks.region', line: 4, column: 11 }),
        { path: 'stacks.colour', message: 'Unknown key "colour"', line: 5, column: 3 },
      ]),
    );
  });
});

describe('CloudFormation limits, checked when planning', () => {
  /** 101 container services: 505 CloudFormation resources in one stack, over the 500 a stack may hold. */
  const crowded = `version: 1\nservices:\n${Array.from({ length: 101 }, (_, i) => `  s${i}: { type: container }\n`).join('')}`;

  it('refuses a plan over 500 resources per stack, naming the stack, and fits once spread per service', async () => {
    const { admin, call, project } = await shop('too-many-resources', 'version: 1\n');
    await call.projects.applyConfig({ id: project.id, yaml: `${crowded}stacks: { strategy: per-service }\n` });
    const changes = () =>
      api.inOrganization(admin.organization.id, (em) => em.count(AuditEvent, { action: 'project.stacks_updated' }));
    const before = await changes();
    expect((await call.projects.stackPlan({ projectId: project.id, environment: 'dev' })).stacks).toHaveLength(101);

    const error = await expectError(
      call.projects.stackPlan({ projectId: project.id, environment: 'dev', strategy: 'per-environment' }),
      'STACK_LIMIT_EXCEEDED',
    );
    expect(error.message).toContain('505 CloudFormation resources; CloudFormation allows 500');
    expect((error.cause as { details?: unknown }).details).toMatchObject({
      violations: [{ environment: 'dev', limit: 'resourcesPerStack', max: 500, actual: 505 }],
    });
    // A change to a strategy that would break the limit changes nothing.
    await expectError(
      call.projects.updateStacks({ id: project.id, strategy: 'split-stateful' }),
      'STACK_LIMIT_EXCEEDED',
    );
    expect((await call.projects.stackPlan({ projectId: project.id, environment: 'dev' })).strategy).toBe('per-service');
    expect(await changes()).toBe(before);
  });

  it('refuses a config, and a deployment, whose plan would break a limit; nothing is written', async () => {
    const { admin, call, project } = await shop('limit-config');
    const before = await call.projects.get({ id: project.id });
    await expectError(call.projects.applyConfig({ id: project.id, yaml: crowded }), 'STACK_LIMIT_EXCEEDED');
    expect((await call.projects.get({ id: project.id })).configRevision).toBe(before.configRevision);

    // 51 databases export 204 values from one data stack; CloudFormation allows 200 outputs.
    const databases = `version: 1\nresources:\n${Array.from({ length: 51 }, (_, i) => `  db${i}: { kind: database }\n`).join('')}`;
    await call.projects.applyConfig({ id: project.id, yaml: databases });
    const error = await expectError(
      call.projects.updateStacks({ id: project.id, strategy: 'split-stateful' }),
      'STACK_LIMIT_EXCEEDED',
    );
    expect((error.cause as { details?: unknown }).details).toMatchObject({
      violations: expect.arrayContaining([
        expect.objectContaining({ limit: 'outputsPerStack', max: 200, actual: 204 }),
      ]),
    });
    // A plan that got over a limit some other way is refused at deployment, not found by the worker.
    await api.inOrganization(admin.organization.id, (em) =>
      em.execute(`update project set stack_strategy = 'split-stateful' where id = ?`, [project.id]),
    );
    await expectError(
      call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'main' }),
      'STACK_LIMIT_EXCEEDED',
    );
    expect((await call.deployments.list({ projectId: project.id })).items).toEqual([]);
  });
});

describe('deployments and their plans', () => {
  it('record the plan they were queued with, keep it after the strategy changes, and hand it to the worker', async () => {
    const { admin, call, project } = await shop('recorded-plan');
    const { deployment } = await call.deployments.create({ projectId: project.id, environment: 'staging', ref: 'v1' });
    const queuedWith = await call.projects.stackPlan({ projectId: project.id, environment: 'staging' });
    expect(queuedWith.strategy).toBe('per-environment');
    expect((await call.deployments.get({ id: deployment.id })).stackPlan).toEqual(queuedWith);

    await call.projects.updateStacks({ id: project.id, strategy: 'per-service', confirmResourceMoves: ALL_RESOURCES });
    const now = await call.projects.stackPlan({ projectId: project.id, environment: 'staging' });
    expect(now.stacks).toHaveLength(3);
    // The history shows what the deployment deploys, not what the project would deploy today.
    expect((await call.deployments.get({ id: deployment.id })).stackPlan).toEqual(queuedWith);

    const claimed = await claim(deployment.id);
    expect(claimed.organizationId).toBe(admin.organization.id);
    expect(claimed.deployment?.stackPlan).toEqual(queuedWith);
  });
});

describe('changing the strategy', () => {
  /** A project whose staging has been deployed under the default strategy. */
  async function deployed(label: string) {
    const context = await shop(label);
    const { deployment } = await context.call.deployments.create({
      projectId: context.project.id,
      environment: 'staging',
      ref: 'v1',
    });
    await claim(deployment.id);
    await api.call({ token: api.serviceToken }).internal.deployments.report({
      organizationId: context.admin.organization.id,
      deploymentId: deployment.id,
      status: 'succeeded',
    });
    return context;
  }

  it('refuses to move a live database between stacks without confirmation, naming the resources', async () => {
    const { admin, call, project } = await deployed('move-refused');
    const staging = await call.projects.stackPlan({ projectId: project.id, environment: 'staging' });
    const error = await expectError(
      call.projects.updateStacks({ id: project.id, strategy: 'split-stateful', confirmResourceMoves: ['cache'] }),
      'RESOURCE_MOVE_UNCONFIRMED',
    );
    expect(error.message).toContain(
      `db (database) in staging: ${staging.stacks[0]?.name} → ${staging.stacks[0]?.name}-data`,
    );
    expect((error.cause as { field?: string }).field).toBe('confirmResourceMoves');
    expect((error.cause as { details?: unknown }).details).toMatchObject({ resources: ['db', 'jobs', 'uploads'] });
    // Nothing changed: the strategy, and no audit event of a change.
    expect((await call.projects.stackPlan({ projectId: project.id, environment: 'staging' })).strategy).toBe(
      'per-environment',
    );
    expect(
      await api.inOrganization(admin.organization.id, (em) =>
        em.count(AuditEvent, { action: 'project.stacks_updated' }),
      ),
    ).toBe(0);
  });

  it('allows the move once every stateful resource is confirmed, and reports the diff', async () => {
    const { admin, call, project } = await deployed('move-confirmed');
    const staging = await call.projects.stackPlan({ projectId: project.id, environment: 'staging' });
    const old = staging.stacks[0]?.name as string;
    const preview = await call.projects.updateStacks({ id: project.id, strategy: 'split-stateful', dryRun: true });
    expect(preview).toMatchObject({ applied: false, changed: true });
    expect((await call.projects.stackPlan({ projectId: project.id, environment: 'staging' })).strategy).toBe(
      'per-environment',
    );

    const result = await call.projects.updateStacks({
      id: project.id,
      strategy: 'split-stateful',
      confirmResourceMoves: ALL_RESOURCES,
    });
    expect(result).toEqual({ ...preview, applied: true });
    const region = 'us-east-1';
    const stagingChange = result.environments.find((e) => e.environment === 'staging');
    expect(stagingChange).toEqual({
      environment: 'staging',
      protected: false,
      deployed: true,
      stacksAdded: [
        { stack: `${old}-data`, region },
        { stack: `${old}-app`, region },
      ],
      stacksRemoved: [{ stack: old, region }],
      moves: [
        ...ALL_RESOURCES.map((name) => ({
          item: 'resource',
          name,
          kind: { cache: 'cache', db: 'database', jobs: 'queue', uploads: 'storage' }[name],
          stateful: true,
          from: { stack: old, region },
          to: { stack: `${old}-data`, region },
        })),
        ...[
          ['api', 'container'],
          ['worker', 'function'],
        ].map(([name, kind]) => ({
          item: 'service',
          name,
          kind,
          stateful: false,
          from: { stack: old, region },
          to: { stack: `${old}-app`, region },
        })),
      ],
    });
    // Environments never deployed are reported for what their plan becomes, needing no confirmation.
    expect(result.environments.find((e) => e.environment === 'dev')).toMatchObject({ deployed: false });
    const [event] = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { action: 'project.stacks_updated' }),
    );
    expect(event?.changes).toEqual({
      strategy: { before: 'per-environment', after: 'split-stateful' },
      confirmedResourceMoves: { after: ALL_RESOURCES },
    });
    // Once staging runs split-stateful, going per-service keeps its data stack: nothing stateful
    // moves, nothing to confirm.
    await call.deployments.create({ projectId: project.id, environment: 'staging', ref: 'v2' });
    const next = await call.projects.updateStacks({ id: project.id, strategy: 'per-service' });
    expect(next.environments.find((e) => e.environment === 'staging')?.moves.filter((m) => m.stateful)).toEqual([]);
  });

  it('refuses, through strictops.yml too, a strategy change that moves a live database, and allows it confirmed', async () => {
    const { call, project } = await deployed('move-by-yml');
    const yaml = `${SHOP}stacks:\n  strategy: split-stateful\n`;
    await expectError(call.projects.applyConfig({ id: project.id, yaml }), 'RESOURCE_MOVE_UNCONFIRMED');
    expect((await call.projects.get({ id: project.id })).configRevision).toBe(1);
    const applied = await call.projects.applyConfig({ id: project.id, yaml, confirmResourceMoves: ALL_RESOURCES });
    expect(applied.stacks).toMatchObject({ strategy: 'split-stateful', applied: true });
  });

  it('needs no confirmation to go back to the layout that is live, which changes nothing there', async () => {
    const { call, project } = await deployed('back-to-live');
    await call.projects.updateStacks({
      id: project.id,
      strategy: 'split-stateful',
      confirmResourceMoves: ALL_RESOURCES,
    });
    // Staging was never deployed as split-stateful: what is live there is still per-environment.
    const back = await call.projects.updateStacks({ id: project.id, strategy: 'per-environment' });
    expect(back).toMatchObject({ strategy: 'per-environment', applied: true });
    expect(back.environments.map((e) => [e.environment, e.deployed])).toEqual([
      ['dev', false],
      ['production', false],
    ]);
  });

  it('treats a region change as a move of everything live', async () => {
    const { call, project } = await deployed('region-move');
    const error = await expectError(
      call.projects.updateStacks({ id: project.id, region: 'eu-west-1' }),
      'RESOURCE_MOVE_UNCONFIRMED',
    );
    expect((error.cause as { details?: unknown }).details).toMatchObject({ resources: ALL_RESOURCES });
  });

  it('is for strictops_admin alone where a protected environment changes; the refusal is audited', async () => {
    const { admin, call, project } = await shop('protected-strategy');
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    const error = await expectError(
      asCustomer.projects.updateStacks({ id: project.id, strategy: 'per-service' }),
      'PERMISSION_DENIED',
    );
    expect(error.message).toContain('protected environment’s CloudFormation stacks');
    const denied = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { outcome: 'denied', actorId: customer.user.id }),
    );
    expect(denied).toHaveLength(1);
    // A customer may preview it, and may change a project that no protected environment notices.
    await expect(
      asCustomer.projects.updateStacks({ id: project.id, strategy: 'per-service', dryRun: true }),
    ).resolves.toMatchObject({
      applied: false,
    });
    const empty = await call.projects.create({ name: unique('Empty') });
    await expect(asCustomer.projects.updateStacks({ id: empty.id, strategy: 'per-service' })).resolves.toMatchObject({
      applied: true,
    });
    await expect(call.projects.updateStacks({ id: project.id, strategy: 'per-service' })).resolves.toMatchObject({
      applied: true,
    });
  });

  it('is a no-op for the strategy the project has, and not found for another organization’s project', async () => {
    const { call, project } = await shop('no-op');
    expect(await call.projects.updateStacks({ id: project.id, strategy: 'per-environment' })).toEqual({
      strategy: 'per-environment',
      region: 'us-east-1',
      changed: false,
      applied: false,
      environments: [],
    });
    const other = await api.signUp('other-tenant');
    await expectError(
      api.call({ token: other.token }).projects.updateStacks({ id: project.id, strategy: 'per-service' }),
      'PROJECT_NOT_FOUND',
    );
    await expectError(
      api.call({ token: other.token }).projects.stackPlan({ projectId: project.id, environment: 'dev' }),
      'PROJECT_NOT_FOUND',
    );
    await expectError(call.projects.updateStacks({ id: project.id, region: 'mars-1' } as never), 'VALIDATION_FAILED');
  });

  it('keeps deployments queued before the change on their own plan', async () => {
    const { admin, call, project } = await shop('queued-before');
    const { deployment } = await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'v1' });
    // A queued deployment is about to create the old layout: moving away from it needs confirming too.
    await expectError(
      call.projects.updateStacks({ id: project.id, strategy: 'split-stateful' }),
      'RESOURCE_MOVE_UNCONFIRMED',
    );
    const stored = await api.inOrganization(admin.organization.id, (em) =>
      em.findOneOrFail(Deployment, { id: deployment.id }),
    );
    expect((stored.stackPlan as { strategy: string }).strategy).toBe('per-environment');
  });
});
