import { randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AwsConnection, Project } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import type { AwsSettings } from '../dependencies.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import type { RunInTransaction } from '../trpc/transaction.ts';
import { cloudFormationTemplate, consoleUrl } from './cloudformation-template.ts';
import { checkRole, ROLE_CHECK_FAILURES } from './sts-client.ts';

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
    connection.failureReason = failure ? ROLE_CHECK_FAILURES[failure] : null;
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
