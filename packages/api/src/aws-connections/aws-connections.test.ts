import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { STS_FAULTS, type StsFault, stsHandler } from '../testing/aws-sts.ts';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';
import { cloudFormationTemplate, consoleUrl } from './cloudformation-template.ts';

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
    const role = template.Resources.StrictOpsDeployRole.Properties;
    const statement = role.AssumeRolePolicyDocument.Statement[0];
    expect(statement.Principal.AWS).toBe('arn:aws:iam::111111111111:root');
    expect(statement.Condition.StringEquals['sts:ExternalId']).toEqual({ Ref: 'ExternalId' });
    expect(template.Parameters.ExternalId.Default).toBe(created.connection.externalId);
    expect(new RegExp(`^${template.Parameters.ExternalId.AllowedPattern}$`).test(created.connection.externalId)).toBe(
      true,
    );
    // CloudFormation names the role: two connections' stacks can live in one account.
    expect(role.RoleName).toBeUndefined();
    // Without a published template, the link opens the create-stack page to upload this one.
    expect(created.consoleUrl).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/create/template',
    );
  });

  it('links to quick-create with the external ID filled in when a template is published', () => {
    const aws = { accountId: '111111111111', region: 'eu-west-1', templateUrl: 'https://s3.amazonaws.com/b/t.json' };
    const connection = { id: '0190a5a0-0000-7000-8000-00000000abcd', externalId: 'x'.repeat(32) };
    const url = new URL(consoleUrl(aws, connection));
    expect(url.origin + url.pathname).toBe('https://eu-west-1.console.aws.amazon.com/cloudformation/home');
    const [route, query] = url.hash.slice(1).split('?');
    expect(route).toBe('/stacks/quickcreate');
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      templateURL: aws.templateUrl,
      stackName: 'strictops-00000000abcd',
      param_ExternalId: connection.externalId,
    });
    expect(JSON.parse(cloudFormationTemplate(aws, connection.externalId)).Parameters.ExternalId.Default).toBe(
      connection.externalId,
    );
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
    expect(result).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('refused') });
  });

  it.each(Object.keys(STS_FAULTS) as StsFault[])(
    'treats STS answering %s as saying nothing about the role: AWS_UNAVAILABLE, nothing changes',
    async (code) => {
      const admin = await api.signUp(`aws-${code}`);
      const call = api.call({ token: admin.token });
      const { connection } = await call.awsConnections.create({ name: 'flaky' });
      const roleArn = role();
      // Without the external ID STS fails: the role is not known to refuse such calls, so it is
      // not verified (this was the confused deputy's way through).
      sts.use(stsHandler({ [roleArn]: { externalId: connection.externalId, faultWithout: code } }));
      await expectError(call.awsConnections.verify({ id: connection.id, roleArn }), 'AWS_UNAVAILABLE');
      sts.use(stsHandler({ [roleArn]: { externalId: connection.externalId, faultWith: code } }));
      await expectError(call.awsConnections.verify({ id: connection.id, roleArn }), 'AWS_UNAVAILABLE');
      expect(await call.awsConnections.get({ id: connection.id })).toMatchObject({
        status: 'pending',
        roleArn: null,
        failureReason: null,
      });
    },
  );

  it('keeps a verified connection verified when AWS fails on a later check', async () => {
    const admin = await api.signUp('aws-keep');
    const call = api.call({ token: admin.token });
    const { connection } = await call.awsConnections.create({ name: 'kept' });
    const roleArn = role();
    sts.use(stsHandler({ [roleArn]: { externalId: connection.externalId } }));
    await call.awsConnections.verify({ id: connection.id, roleArn });
    sts.use(stsHandler({ [roleArn]: { externalId: connection.externalId, faultWith: 'InternalFailure' } }));
    await expectError(call.awsConnections.verify({ id: connection.id, roleArn }), 'AWS_UNAVAILABLE');
    expect((await call.awsConnections.get({ id: connection.id })).status).toBe('verified');
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
    // IAM role names are unique per account whatever their case and path: the same role.
    const [prefix, name] = roleArn.split(':role/') as [string, string];
    for (const variant of [`${prefix}:role/${name.toLowerCase()}`, `${prefix}:role/team/${name.toUpperCase()}`]) {
      sts.use(stsHandler({ [variant]: {} }));
      await expectError(
        api.call({ token: second.token }).awsConnections.verify({ id: b.connection.id, roleArn: variant }),
        'ROLE_ALREADY_CONNECTED',
      );
    }
  });

  it('lets a failed attempt on someone else’s role claim nothing', async () => {
    const roleArn = role();
    const attacker = await api.signUp('aws-claimer');
    const owner = await api.signUp('aws-owner');
    const theirs = await api.call({ token: attacker.token }).awsConnections.create({ name: 'not mine' });
    const mine = await api.call({ token: owner.token }).awsConnections.create({ name: 'mine' });
    // The role trusts only its owner's external ID: the attacker's attempt fails...
    sts.use(stsHandler({ [roleArn]: { externalId: mine.connection.externalId } }));
    const failed = await api
      .call({ token: attacker.token })
      .awsConnections.verify({ id: theirs.connection.id, roleArn });
    expect(failed.status).toBe('failed');
    // ...and takes nothing from the owner, who verifies it next.
    const verified = await api.call({ token: owner.token }).awsConnections.verify({ id: mine.connection.id, roleArn });
    expect(verified.status).toBe('verified');
  });

  it('keeps the role of a connection projects use: another role needs another connection', async () => {
    const admin = await api.signUp('aws-switch');
    const call = api.call({ token: admin.token });
    const { connection } = await call.awsConnections.create({ name: 'used' });
    const [first, second] = [role(), `${role()}-other`];
    sts.use(stsHandler({ [first]: { externalId: connection.externalId }, [second]: {} }));
    await call.awsConnections.verify({ id: connection.id, roleArn: first });
    const project = await call.projects.create({ name: 'deploys' });
    await call.projects.update({ id: project.id, awsConnectionId: connection.id });
    const error = await expectError(
      call.awsConnections.verify({ id: connection.id, roleArn: second }),
      'CONNECTION_IN_USE',
    );
    expect((error.cause as { field?: string }).field).toBe('roleArn');
    // The same role may be checked again at any time.
    expect((await call.awsConnections.verify({ id: connection.id, roleArn: first })).roleArn).toBe(first);
  });

  it.skipIf(inject('embeddedDatabase'))(
    'never leaves a project linked to a deleted connection, however delete and link interleave (real PostgreSQL only)',
    async () => {
      const admin = await api.signUp('aws-race');
      await api.orm.em
        .fork()
        .execute(`update organization set tier = 'ENTERPRISE' where id = ?`, [admin.organization.id]);
      const call = api.call({ token: admin.token });
      for (let round = 0; round < 8; round++) {
        const { connection } = await call.awsConnections.create({ name: `race ${round}` });
        const roleArn = `${role()}-${round}`;
        sts.use(stsHandler({ [roleArn]: { externalId: connection.externalId } }));
        await call.awsConnections.verify({ id: connection.id, roleArn });
        const project = await call.projects.create({ name: unique(`race ${round}`) });
        const [deleted, linked] = await Promise.allSettled([
          call.awsConnections.delete({ id: connection.id }),
          call.projects.update({ id: project.id, awsConnectionId: connection.id }),
        ]);
        // Exactly one wins; the other is a clear refusal.
        expect([deleted.status, linked.status].sort()).toEqual(['fulfilled', 'rejected']);
        if (deleted.status === 'rejected') await expectError(Promise.reject(deleted.reason), 'CONNECTION_IN_USE');
        if (linked.status === 'rejected') await expectError(Promise.reject(linked.reason), 'AWS_CONNECTION_NOT_FOUND');
        const [dangling] = await api.inOrganization(admin.organization.id, (em) =>
          em.execute<{ n: number }[]>(
            `select count(*)::int as n from project p where p.aws_connection_id is not null
               and not exists (select 1 from aws_connection c where c.id = p.aws_connection_id)`,
          ),
        );
        expect(dangling?.n).toBe(0);
      }
    },
  );

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
