import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { ACTOR_TYPES } from './audit-event.entity.ts';
import { Environment } from './environment.entity.ts';
import { Organization } from './organization.entity.ts';
import { Project } from './project.entity.ts';

export const DEPLOYMENT_STATUSES = ['queued', 'in_progress', 'succeeded', 'failed', 'cancelled'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** One deployment of a project to an environment, driven by deploy workers through its statuses. */
export const Deployment = defineEntity({
  name: 'Deployment',
  tableName: 'deployment',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).deleteRule('cascade'),
    environment: () => p.manyToOne(Environment).deleteRule('cascade'),
    status: p.enum(DEPLOYMENT_STATUSES).default('queued'),
    ref: p.string().length(255),
    commitSha: p.string().length(40).strictNullable(),
    triggeredByType: p.enum(ACTOR_TYPES),
    triggeredById: p.string().length(64),
    triggeredByDisplay: p.string().length(320),
    // A client's key for safe retries, and a digest of the request it was first used with.
    idempotencyKey: p.string().length(255).strictNullable(),
    requestDigest: p.string().length(64).strictNullable(),
    // The message of the last status change (why it failed, who cancelled it and why).
    statusMessage: p.string().length(1000).strictNullable(),
    queuedAt: p.datetime().onCreate(() => new Date()),
    startedAt: p.datetime().strictNullable(),
    finishedAt: p.datetime().strictNullable(),
    claimedBy: p.string().length(128).strictNullable(),
    // The stack plan computed when the deployment was queued: what it deploys, whatever the project's
    // strategy becomes later. Null for deployments queued before plans were recorded.
    stackPlan: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [
    { properties: ['organization', 'queuedAt'] },
    { properties: ['organization', 'id'] },
    { properties: ['project', 'environment', 'queuedAt', 'id'] },
    { properties: ['status', 'queuedAt'] },
  ],
  uniques: [
    {
      name: 'deployment_idempotency_key_unique',
      expression:
        'create unique index "deployment_idempotency_key_unique" on "deployment" ("organization_id", "idempotency_key") where "idempotency_key" is not null',
    },
  ],
  ...organizationOwned,
});

export type Deployment = InferEntity<typeof Deployment>;
