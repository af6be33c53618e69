import { randomBytes } from 'node:crypto';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AwsConnection, Project } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit.service.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../flush.ts';
import type { AwsSettings } from '../trpc/context.ts';

export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = 'StrictOpsDeploy';

const view = (c: AwsConnection) => ({
  id: c.id,
  name: c.name,
  externalId: c.externalId,
  roleArn: c.roleArn ?? null,
  accountId: c.accountId ?? null,
  status: c.status,
  failureReason: c.failureReason ?? null,
  verifiedAt: c.verifiedAt ?? null,
  createdAt: c.createdAt,
});

function requireAws(aws: AwsSettings | undefined): AwsSettings {
  if (!aws)
    throw new AppError(
      'AWS_NOT_CONFIGURED',
      'This server has no StrictOps AWS account configured (STRICTOPS_AWS_ACCOUNT_ID)',
    );
  return aws;
}

/** What the customer deploys in their account: a role StrictOps may assume only with the external ID. */
export function cloudFormationTemplate(aws: AwsSettings, externalId: string) {
  return JSON.stringify(
    {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: 'Lets StrictOps deploy into this account',
      Resources: {
        StrictOpsDeployRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: ROLE_NAME,
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${aws.accountId}:root` },
                  Action: 'sts:AssumeRole',
                  Condition: { StringEquals: { 'sts:ExternalId': externalId } },
                },
              ],
            },
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
          },
        },
      },
      Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['StrictOpsDeployRole', 'Arn'] } } },
    },
    null,
    2,
  );
}

export async function createAwsConnection(
  em: EntityManager,
  { audit, aws, name }: { audit: AuditScope; aws?: AwsSettings; name: string },
) {
  const settings = requireAws(aws);
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'awsConnections' });
  const connection = em.create(AwsConnection, {
    organization: audit.organizationId,
    name,
    externalId: randomBytes(24).toString('base64url'),
  });
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'aws_connection.created',
    target: { type: 'aws_connection', id: connection.id, display: name },
  });
  const template = cloudFormationTemplate(settings, connection.externalId);
  const consoleUrl =
    `https://console.aws.amazon.com/cloudformation/home?region=${settings.region}#/stacks/quickcreate` +
    `?stackName=strictops-${connection.id.slice(0, 8)}&param_ExternalId=${connection.externalId}`;
  return { connection: view(connection), template, consoleUrl };
}

export async function loadConnection(em: EntityManager, id: string) {
  const connection = await em.findOne(AwsConnection, { id });
  if (!connection) throw new AppError('AWS_CONNECTION_NOT_FOUND', 'AWS connection not found', { field: 'id' });
  return connection;
}

async function assume(sts: STSClient, roleArn: string, externalId: string | undefined) {
  return sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: 'strictops-verify',
      ExternalId: externalId,
      DurationSeconds: 900,
    }),
  );
}

/**
 * Checks the role: it must be assumable with the connection's external ID, and refuse a call
 * without it (a role that trusts anyone knowing its ARN lets other StrictOps customers use it: the
 * confused deputy). Records verified or the reason it failed.
 */
export async function verifyAwsConnection(
  em: EntityManager,
  { audit, aws, id, roleArn }: { audit: AuditScope; aws?: AwsSettings; id: string; roleArn: string },
) {
  const settings = requireAws(aws);
  const connection = await loadConnection(em, id);
  const accountId = ROLE_ARN.exec(roleArn)?.[1];
  if (!accountId)
    throw new AppError('VALIDATION_FAILED', 'Not an IAM role ARN (arn:aws:iam::<account>:role/<name>)', {
      field: 'roleArn',
    });
  const sts = new STSClient({ region: settings.region, credentials: settings.credentials, maxAttempts: 2 });
  let failure: string | null = null;
  try {
    await assume(sts, roleArn, connection.externalId);
    const unsafe = await assume(sts, roleArn, undefined).then(
      () => true,
      () => false,
    );
    if (unsafe)
      failure = 'The role can be assumed without the external ID: add the sts:ExternalId condition to its trust policy';
  } catch (error) {
    failure = `AWS refused to let StrictOps assume the role: ${(error as { name?: string }).name ?? 'error'}`;
  } finally {
    sts.destroy();
  }
  connection.roleArn = roleArn;
  connection.accountId = accountId;
  connection.status = failure ? 'failed' : 'verified';
  connection.failureReason = failure;
  connection.verifiedAt = failure ? null : new Date();
  await flushOrDuplicate(
    em,
    (cause) =>
      new AppError('ROLE_ALREADY_CONNECTED', 'This role is connected to another organization already', {
        field: 'roleArn',
        cause,
      }),
  );
  await recordAuditEvent(em, audit, {
    action: failure ? 'aws_connection.verification_failed' : 'aws_connection.verified',
    target: { type: 'aws_connection', id, display: connection.name },
    changes: { roleArn: { after: roleArn }, status: { after: connection.status } },
  });
  return view(connection);
}

export async function listAwsConnections(em: EntityManager) {
  const connections = await em.find(AwsConnection, {}, { orderBy: { id: 'asc' } });
  return { items: connections.map(view) };
}

export async function getAwsConnection(em: EntityManager, id: string) {
  return view(await loadConnection(em, id));
}

/** Refused while a project deploys through it, naming those projects. */
export async function deleteAwsConnection(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  const connection = await loadConnection(em, id);
  const users = await em.find(Project, { awsConnectionId: id }, { orderBy: { name: 'asc' } });
  if (users.length) {
    throw new AppError('CONNECTION_IN_USE', `Projects use this connection: ${users.map((p) => p.name).join(', ')}`, {
      details: { projects: users.map((p) => p.name) },
    });
  }
  em.remove(connection);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'aws_connection.deleted',
    target: { type: 'aws_connection', id, display: connection.name },
  });
  return { ok: true as const };
}

/** A project may deploy through a verified connection of its own organization only. */
export async function assertLinkable(em: EntityManager, id: string) {
  const connection = await loadConnection(em, id);
  if (connection.status !== 'verified') {
    throw new AppError('CONNECTION_NOT_VERIFIED', 'Verify the AWS connection before linking a project to it', {
      field: 'awsConnectionId',
    });
  }
}
