import type { EntityManager } from '@mikro-orm/postgresql';
import { scopedFork } from '@strictops/db';
import { type AuditScope, type Denial, recordDenial } from '../audit/audit-writer.ts';

/**
 * Records a denied attempt in a transaction of its own, scoped to the organization: the request's
 * transaction has rolled back by the time this runs, and the record must not vanish with it.
 */
export function recordDenialAfterRequest(em: EntityManager, scope: AuditScope, denial: Denial): Promise<void> {
  return scopedFork(em, { organizationId: scope.organizationId }).transactional((tx) =>
    recordDenial(tx, scope, denial),
  );
}
