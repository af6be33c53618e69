import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditCheckpoint, type AuditEvent } from '@strictops/db';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf } from '../shared/sql.ts';
import { eventHash } from './audit-chain.ts';

export type AuditEventFilter = {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  /** The `seq` of the last event of the previous page. */
  cursor?: string;
  limit: number;
};

type ListedRow = Omit<EventRow, 'organization_id' | 'occurred_iso' | 'actor_type' | 'outcome'> & {
  occurred_at: string;
  actor_type: AuditEvent['actorType'];
  outcome: AuditEvent['outcome'];
};

const view = (e: ListedRow) => ({
  id: e.id,
  seq: String(e.seq),
  occurredAt: dateOf(e.occurred_at),
  actor: { type: e.actor_type, id: e.actor_id, display: e.actor_display },
  action: e.action,
  target: { type: e.target_type, id: e.target_id, display: e.target_display },
  changes: (typeof e.changes === 'string' ? JSON.parse(e.changes) : e.changes) ?? null,
  context: { ip: e.ip, userAgent: e.user_agent, requestId: e.request_id },
  outcome: e.outcome,
  hash: e.hash,
  prevHash: e.prev_hash,
});

/**
 * Newest first, keyset-paginated on (organization, seq), so a page costs the same at the millionth
 * event as at the first. Plain rows, one query.
 */
export async function listAuditEvents(em: EntityManager, filter: AuditEventFilter & { organizationId: string }) {
  return keysetPage<ListedRow, ReturnType<typeof view>>(
    em,
    {
      select: `select id, seq, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id,
                      target_display, changes, ip, user_agent, request_id, outcome, hash, prev_hash
                 from "audit_event"`,
      organizationId: filter.organizationId,
      filters: [
        ['actor_id = ?', filter.actorId],
        ['action = ?', filter.action],
        ['target_type = ?', filter.targetType],
        ['target_id = ?', filter.targetId],
        ['occurred_at >= ?', filter.from],
        ['occurred_at < ?', filter.to],
      ],
      key: 'seq',
      order: 'desc',
      cursor: filter.cursor,
      limit: filter.limit,
    },
    view,
  );
}

type EventRow = {
  id: string;
  organization_id: string;
  seq: string;
  occurred_iso: string;
  actor_type: string;
  actor_id: string;
  actor_display: string;
  action: string;
  target_type: string;
  target_id: string;
  target_display: string | null;
  changes: unknown;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  outcome: string;
  prev_hash: string | null;
  hash: string;
};

const BATCH = 1000;

/**
 * Walks the organization's chain in order and reports the first broken link: an event whose
 * content no longer matches its hash, or whose predecessor is not the one it names. The walk
 * starts from the retention purge's checkpoint, when there is one.
 */
export async function verifyAuditChain(em: EntityManager, organizationId: string) {
  const checkpoint = await em.findOne(AuditCheckpoint, { organization: organizationId });
  let expectedPrev: string | null = checkpoint?.lastPurgedHash ?? null;
  let afterSeq = checkpoint ? String(checkpoint.lastPurgedSeq) : '0';
  let checked = 0;
  for (;;) {
    const rows = await em.execute<EventRow[]>(
      `select *, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_iso
         from "audit_event" where organization_id = ? and seq > ? order by seq limit ?`,
      [organizationId, afterSeq, BATCH],
    );
    for (const row of rows) {
      const broken = (reason: string) => ({
        ok: false as const,
        checked,
        firstBroken: { id: row.id, seq: String(row.seq), reason },
      });
      if (row.prev_hash !== expectedPrev) return broken('its predecessor is missing or was replaced');
      const recomputed = eventHash({
        id: row.id,
        organizationId: row.organization_id,
        occurredAt: new Date(row.occurred_iso),
        actorType: row.actor_type,
        actorId: row.actor_id,
        actorDisplay: row.actor_display,
        action: row.action,
        targetType: row.target_type,
        targetId: row.target_id,
        targetDisplay: row.target_display,
        changes: typeof row.changes === 'string' ? JSON.parse(row.changes) : row.changes,
        ip: row.ip,
        userAgent: row.user_agent,
        requestId: row.request_id,
        outcome: row.outcome,
        prevHash: row.prev_hash,
      });
      if (recomputed !== row.hash) return broken('its content does not match its hash');
      expectedPrev = row.hash;
      afterSeq = String(row.seq);
      checked++;
    }
    if (rows.length < BATCH) return { ok: true as const, checked, firstBroken: null };
  }
}
