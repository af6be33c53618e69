import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stsHandler } from '../testing/aws-sts.ts';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';

let api: TestApi;
const sts = setupServer();
beforeAll(async () => {
  api = await createTestApi();
  sts.listen({ onUnhandledFrame: 'error' });
});
afterEach(() => sts.resetHandlers());
afterAll(async () => {
  sts.close();
  await api.close();
});

const role = () => `arn:aws:iam::${String(Date.now()).slice(-12).padStart(12, '3')}:role/${unique('StrictOps')}`;

describe('AWS connections', () => {
  it('create returns a server-made external ID, a template trusting StrictOps with it, and a console link', async () => {
    const admin = await api.signUp('aws');
    const created = await api.call({ token: admin.token }).awsConnections.create({ name: 'Production account' });
    expect(created.connection).toMatchObject({ status: 'pending', roleArn: null });
    expect(created.connection.externalId).toMatch(/^[\w-]{32}$/);
    const template = JSON.parse(created.template);
    const statement = template.Resources.StrictOpsDeployRole.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(statement.Principal.AWS).toBe('arn:aws:iam::111111111111:root');
    expect(statement.Condition.StringEquals['sts:ExternalId']).toBe(created.connection.externalId);
    expect(created.consoleUrl).toContain('cloudformation');
  });

  it('verifies a role that needs the external ID, records the account, and lets a project link to it', async () => {
    const admin = await api.signUp('aws-verify');
    const call = api.call({ token: admin.token });
    const { connection } = await call.awsConnections.create({ name: 'prod' });
    const roleArn = role();
    const calls: { roleArn: string; externalId: string | null }[] = [];
    sts.use(stsHandler({ [roleArn]: { externalId: connection.externalId } }, calls));
    const verified = await call.awsConnections.verify({ id: connection.id, roleArn });
    expect(verified).toMatchObject({ status: 'verified', roleArn, accountId: roleArn.split(':')[4] });
    // STS was asked twice: with the external ID (must work) and without it (must be refused).
    expect(calls.map((c) => c.externalId)).toEqual([connection.externalId, null]);

    const project = await call.projects.create({ name: 'linked' });
    expect((await call.projects.update({ id: project.id, awsConnectionId: connection.id })).awsConnectionId).toBe(
      connection.id,
    );
    const error = await expectError(call.awsConnections.delete({ id: connection.id }), 'CONNECTION_IN_USE');
    expect((error.cause as { details?: unknown }).details).toEqual({ projects: ['linked'] });
  });

  it('refuses a role that also accepts calls without the external ID (the confused deputy)', async () => {
    const admin = await api.signUp('aws-unsafe');
    const call = api.call({ token: admin.token });
    const { connection } = await call.awsConnections.create({ name: 'unsafe' });
    const roleArn = role();
    sts.use(stsHandler({ [roleArn]: { allowWithoutExternalId: true } }));
    const result = await call.awsConnections.verify({ id: connection.id, roleArn });
    expect(result.status).toBe('failed');
    expect(result.failureReason).toMatch(/without the external ID/);
    const project = await call.projects.create({ name: 'not linked' });
    await expectError(
      call.projects.update({ id: project.id, awsConnectionId: connection.id }),
      'CONNECTION_NOT_VERIFIED',
    );
  });

  it('records a clear failure when AWS refuses the role', async () => {
    const admin = await api.signUp('aws-denied');
    const call = api.call({ token: admin.token });
    const { connection } = await call.awsConnections.create({ name: 'denied' });
    sts.use(stsHandler({}));
    const result = await call.awsConnections.verify({ id: connection.id, roleArn: role() });
    expect(result).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('AccessDenied') });
  });

  it('lets one role ARN belong to one organization only', async () => {
    const roleArn = role();
    const first = await api.signUp('aws-first');
    const second = await api.signUp('aws-second');
    const a = await api.call({ token: first.token }).awsConnections.create({ name: 'a' });
    const b = await api.call({ token: second.token }).awsConnections.create({ name: 'b' });
    sts.use(stsHandler({ [roleArn]: {} }));
    await api.call({ token: first.token }).awsConnections.verify({ id: a.connection.id, roleArn });
    sts.use(stsHandler({ [roleArn]: {} }));
    await expectError(
      api.call({ token: second.token }).awsConnections.verify({ id: b.connection.id, roleArn }),
      'ROLE_ALREADY_CONNECTED',
    );
  });

  it('refuses a malformed ARN before calling AWS, another organization’s connection, and a second connection on FREE', async () => {
    const admin = await api.signUp('aws-bad');
    const call = api.call({ token: admin.token });
    const { connection } = await call.awsConnections.create({ name: 'one' });
    await expectError(
      call.awsConnections.verify({ id: connection.id, roleArn: 'arn:aws:s3:::bucket' }),
      'VALIDATION_FAILED',
    );
    const stranger = await api.signUp('aws-stranger');
    const project = await api.call({ token: stranger.token }).projects.create({ name: 'theirs' });
    await expectError(
      api.call({ token: stranger.token }).projects.update({ id: project.id, awsConnectionId: connection.id }),
      'AWS_CONNECTION_NOT_FOUND',
    );
    await expectError(call.awsConnections.create({ name: 'two' }), 'LIMIT_REACHED');
  });
});
