import { randomBytes } from 'node:crypto';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AwsConnection, Project } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import type { AwsSettings } from '../dependencies.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import type { RunInTransaction } from '../trpc/transaction.ts';

export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

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

/**
 * What the customer deploys in their account: a role StrictOps may assume only with the external
 * ID. The external ID is a parameter defaulting to this connection's, so the same document serves
 * as the quick-create template an operator publishes (`STRICTOPS_AWS_TEMPLATE_URL`). The role's
 * name is left to CloudFormation, so that two connections can live in one account.
 */
export function cloudFormationTemplate(aws: AwsSettings, externalId: string) {
  return JSON.stringify(
    {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: 'Lets StrictOps deploy into this account',
      Parameters: {
        ExternalId: {
          Type: 'String',
          Default: externalId,
          AllowedPattern: '[\\w-]{32}',
          Description: 'The external ID of your StrictOps AWS connection',
        },
      },
      Resources: {
        StrictOpsDeployRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${aws.accountId}:root` },
                  Action: 'sts:AssumeRole',
                  Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
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

/**
 * Where the customer creates the stack. CloudFormation's quick-create page opens only a template
 * kept in S3: with `STRICTOPS_AWS_TEMPLATE_URL` it is prefilled with this connection's external ID;
 * without, the link opens the create-stack page, where the template above is uploaded.
 */
export function consoleUrl(aws: AwsSettings, connection: { id: string; externalId: string }) {
  const home = `https://${aws.region}.console.aws.amazon.com/cloudformation/home?region=${aws.region}`;
  if (!aws.templateUrl) return `${home}#/stacks/create/template`;
  const query = new URLSearchParams({
    templateURL: aws.templateUrl,
    stackName: `strictops-${connection.id.slice(-12)}`,
    param_ExternalId: connection.externalId,
  });
  return `${home}#/stacks/quickcreate?${query}`;
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
  return {
    connection: view(connection),
    template: cloudFormationTemplate(settings, connection.externalId),
    consoleUrl: consoleUrl(settings, connection),
  };
}

export async function loadConnection(
  em: EntityManager,
  id: string,
  { lockMode, field = 'id' }: { lockMode?: LockMode; field?: string } = {},
) {
  const connection = await em.findOne(AwsConnection, { id }, lockMode ? { lockMode } : {});
  if (!connection) throw new AppError('AWS_CONNECTION_NOT_FOUND', 'AWS connection not found', { field });
  return connection;
}

/** What STS said to one AssumeRole call, where it is a statement about the role. */
type Answer = 'assumed' | 'denied' | 'rejected';

/**
 * One AssumeRole call. Only `AccessDenied` says the role refuses; throttling, AWS failing, a
 * timeout or StrictOps's own credentials failing say nothing about the role, so they change
 * nothing and the caller may try again (`AWS_UNAVAILABLE`).
 */
async function assume(sts: STSClient, roleArn: string, externalId: string | undefined): Promise<Answer> {
  try {
    await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'strictops-verify',
        ExternalId: externalId,
        DurationSeconds: 900,
      }),
    );
    return 'assumed';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'AccessDenied') return 'denied';
    if (name === 'ValidationError' || name === 'MalformedPolicyDocument') return 'rejected';
    throw new AppError(
      'AWS_UNAVAILABLE',
      'AWS could not be asked about the role just now: nothing changed, try again',
      {
        cause: error,
      },
    );
  }
}

const FAILURES = {
  denied:
    'AWS refused to let StrictOps assume the role: check that it exists and that its trust policy names the StrictOps account and this connection’s external ID',
  rejected: 'AWS did not accept this role ARN',
  unsafe: 'The role can be assumed without the external ID: add the sts:ExternalId condition to its trust policy',
} as const;

/**
 * Checks the role: it must be assumable with the connection's external ID, and refuse a call
 * without it (a role that trusts anyone knowing its ARN lets other StrictOps customers use it: the
 * confused deputy). Records verified or the reason it failed; a failure claims no role. A
 * connection projects deploy through keeps its role: another role needs another connection.
 *
 * STS is asked with no transaction open (it may take seconds): what the call needs is read in a
 * short transaction first, and the answer is recorded in another that locks the row and checks
 * again what the first one read.
 */
export async function verifyAwsConnection(
  transaction: RunInTransaction,
  { audit, aws, id, roleArn }: { audit: AuditScope; aws?: AwsSettings; id: string; roleArn: string },
) {
  const settings = requireAws(aws);
  const accountId = ROLE_ARN.exec(roleArn)?.[1];
  if (!accountId)
    throw new AppError('VALIDATION_FAILED', 'Not an IAM role ARN (arn:aws:iam::<account>:role/<name>)', {
      field: 'roleArn',
    });
  const externalId = await transaction(async (em) => {
    const connection = await loadConnection(em, id);
    await refuseRoleChangeInUse(em, connection, roleArn);
    return connection.externalId;
  });
  const failure = await checkRole(settings, roleArn, externalId);
  return transaction(async (em) => {
    const connection = await loadConnection(em, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    await refuseRoleChangeInUse(em, connection, roleArn);
    connection.roleArn = roleArn;
    connection.accountId = accountId;
    connection.status = failure ? 'failed' : 'verified';
    connection.failureReason = failure ? FAILURES[failure] : null;
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
  });
}

/** A connection projects deploy through keeps its role. */
async function refuseRoleChangeInUse(em: EntityManager, connection: AwsConnection, roleArn: string) {
  if (!connection.roleArn || connection.roleArn === roleArn) return;
  const users = await projectsUsing(em, connection.id);
  if (users.length) throw inUse(users, 'roleArn');
}

/** What is wrong with the role, or null when it is assumable with the external ID and only with it. */
async function checkRole(settings: AwsSettings, roleArn: string, externalId: string) {
  const sts = new STSClient({
    region: settings.region,
    credentials: settings.credentials,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 },
  });
  try {
    const answer = await assume(sts, roleArn, externalId);
    if (answer !== 'assumed') return answer;
    return (await assume(sts, roleArn, undefined)) === 'assumed' ? 'unsafe' : null;
  } finally {
    sts.destroy();
  }
}

const projectsUsing = (em: EntityManager, id: string) =>
  em.find(Project, { awsConnectionId: id }, { orderBy: { name: 'asc' } });

const inUse = (users: Project[], field?: string) =>
  new AppError('CONNECTION_IN_USE', `Projects use this connection: ${users.map((p) => p.name).join(', ')}`, {
    field,
    details: { projects: users.map((p) => p.name) },
  });

export async function listAwsConnections(em: EntityManager) {
  const connections = await em.find(AwsConnection, {}, { orderBy: { id: 'asc' } });
  return { items: connections.map(view) };
}

export async function getAwsConnection(em: EntityManager, id: string) {
  return view(await loadConnection(em, id));
}

/**
 * Refused while a project deploys through it, naming those projects. The row is locked first, so a
 * project being linked at the same moment is either seen here or finds the connection gone; the
 * foreign key from `project` stands behind both.
 */
export async function deleteAwsConnection(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  const connection = await loadConnection(em, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const users = await projectsUsing(em, id);
  if (users.length) throw inUse(users);
  em.remove(connection);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'aws_connection.deleted',
    target: { type: 'aws_connection', id, display: connection.name },
  });
  return { ok: true as const };
}

/**
 * A project may deploy through a verified connection of its own organization only. The row is
 * share-locked until the transaction ends: it cannot be deleted or switched to another role
 * between this check and the link being saved.
 */
export async function assertLinkable(em: EntityManager, id: string) {
  const connection = await loadConnection(em, id, { lockMode: LockMode.PESSIMISTIC_READ, field: 'awsConnectionId' });
  if (connection.status !== 'verified') {
    throw new AppError('CONNECTION_NOT_VERIFIED', 'Verify the AWS connection before linking a project to it', {
      field: 'awsConnectionId',
    });
  }
}
