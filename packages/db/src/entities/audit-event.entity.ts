import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';

export const ACTOR_TYPES = ['user', 'api_token', 'service', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * One thing that happened in an organization: who, what, to which object, what changed, from
 * where. Append-only: the application role may insert and read audit rows, never change them.
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    occurredAt: p.datetime().onCreate(() => new Date()),
    actorType: p.enum(ACTOR_TYPES),
    actorId: p.string().length(64),
    actorDisplay: p.string().length(320),
    action: p.string().length(64),
    targetType: p.string().length(64),
    targetId: p.string().length(64),
    targetDisplay: p.string().length(320).strictNullable(),
    changes: p.json<Record<string, { before?: unknown; after?: unknown }>>().nullable(),
    ip: p.string().length(64).strictNullable(),
    userAgent: p.string().length(512).strictNullable(),
    requestId: p.string().length(128).strictNullable(),
    outcome: p.enum(AUDIT_OUTCOMES).default('success'),
    // The organization's hash chain: each event stores its predecessor's hash and its own, over
    // every field above, in the order of `seq`, which the database assigns at insert while the
    // organization's chain lock is held.
    seq: p.bigint('number').autoincrement(),
    prevHash: p.string().length(64).strictNullable(),
    hash: p.string().length(64),
  },
  indexes: [
    { properties: ['organization', 'occurredAt'] },
    { properties: ['organization', 'seq'] },
    { properties: ['organization', 'actorId'] },
    { properties: ['organization', 'targetType', 'targetId'] },
  ],
  ...organizationOwned,
});

export type AuditEvent = InferEntity<typeof AuditEvent>;
