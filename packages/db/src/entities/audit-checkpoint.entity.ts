import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';

/**
 * Where an organization's audit chain was cut by the retention purge: the hash of the last purged
 * event, which the first kept event names as its predecessor. Verification starts from it.
 */
export const AuditCheckpoint = defineEntity({
  name: 'AuditCheckpoint',
  tableName: 'audit_checkpoint',
  properties: {
    organization: () => p.manyToOne(Organization).primary().deleteRule('cascade'),
    lastPurgedSeq: p.bigint('number'),
    lastPurgedHash: p.string().length(64),
    purgedAt: p.datetime(),
  },
  ...organizationOwned,
});

export type AuditCheckpoint = InferEntity<typeof AuditCheckpoint>;
