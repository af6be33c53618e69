import type { EntityManager } from '@mikro-orm/postgresql';
import { type ActorType, AuditCheckpoint, AuditEvent, type AuditOutcome, uuidv7 } from '@strictops/db';
import { eventHash } from './audit-chain.ts';

/** Who did something: a signed-in user, an API token, an internal service or the system itself. */
export type Actor = { type: ActorType; id: string; display: string };

/** Where a request came from, recorded with every event it causes. */
export type RequestOrigin = { ip: string | null; userAgent: string | null; requestId: string | null };

/** What a service needs to record events: the organization, the actor and the request's origin. */
export type AuditScope = { organizationId: string; actor: Actor; origin: RequestOrigin };

export type Changes = Record<string, { before?: unknown; after?: unknown }>;

export type AuditEntry = {
  /** `<object>.<past-tense verb>`: `organization.updated`, `member.role_updated`. */
  action: string;
  target: { type: string; id: string; display?: string | null };
  changes?: Changes;
  outcome?: AuditOutcome;
};

const SECRET_FIELD = /password|secret|token|key/i;

/** Before/after of the fields that changed; secrets are never written, only that they changed. */
export function diff<T extends Record<string, unknown>>(before: T, after: Partial<T>): Changes | undefined {
  const changes: Changes = {};
  for (const [field, value] of Object.entries(after)) {
    if (value === undefined || value === before[field]) continue;
    changes[field] = SECRET_FIELD.test(field)
      ? { before: '[redacted]', after: '[redacted]' }
      : { before: before[field], after: value };
  }
  return Object.keys(changes).length ? changes : undefined;
}

/**
 * The one way to record an audit event. It writes with `em`, so inside the request's transaction
 * the event commits with the change it records, or not at all. Each organization's events form a
 * hash chain: the organization's chain lock (held until the transaction ends) makes appends to one
 * chain take turns, so every event names the true predecessor.
 */
export async function recordAuditEvent(em: EntityManager, scope: AuditScope, entry: AuditEntry): Promise<void> {
  const organizationId = scope.organizationId;
  await em.execute(`select pg_advisory_xact_lock(hashtextextended('audit:' || ?, 0))`, [organizationId]);
  const [last] = await em.execute<{ hash: string }[]>(
    'select hash from "audit_event" where organization_id = ? order by seq desc limit 1',
    [organizationId],
  );
  const prevHash =
    last?.hash ?? (await em.findOne(AuditCheckpoint, { organization: organizationId }))?.lastPurgedHash ?? null;
  const fields = {
    id: uuidv7(),
    organizationId,
    occurredAt: new Date(),
    actorType: scope.actor.type,
    actorId: scope.actor.id,
    actorDisplay: scope.actor.display,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id,
    targetDisplay: entry.target.display ?? null,
    changes: entry.changes ?? null,
    ip: scope.origin.ip,
    userAgent: scope.origin.userAgent,
    requestId: scope.origin.requestId,
    outcome: entry.outcome ?? 'success',
    prevHash,
  };
  const { organizationId: _organizationId, ...columns } = fields;
  em.create(AuditEvent, { ...columns, organization: organizationId, hash: eventHash(fields) });
  await em.flush();
}

// A flood of denials is one event a minute per actor, procedure and rule, not one per attempt.
const DENIAL_WINDOW_MS = 60_000;

/** A refused attempt: the procedure called, and the policy's rule that refused it. */
export type Denial = { procedure: string; rule: string };

/** Records a refused attempt, naming the rule that refused it; repeats within a minute are one event. */
export async function recordDenial(em: EntityManager, scope: AuditScope, { procedure, rule }: Denial) {
  const recent = await em.count(AuditEvent, {
    actorId: scope.actor.id,
    targetType: 'procedure',
    targetId: procedure,
    outcome: 'denied',
    changes: { rule: { after: rule } },
    occurredAt: { $gt: new Date(Date.now() - DENIAL_WINDOW_MS) },
  });
  if (recent > 0) return;
  await recordAuditEvent(em, scope, {
    action: 'permission.denied',
    target: { type: 'procedure', id: procedure, display: procedure },
    changes: { rule: { after: rule } },
    outcome: 'denied',
  });
}
