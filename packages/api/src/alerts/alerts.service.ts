import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Alert, type AlertSeverity, type AlertStatus } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { AppError } from '../errors.ts';
import { toPage } from '../shared/pagination.ts';

export const alertView = (a: Alert) => ({
  id: a.id,
  projectId: a.projectId ?? null,
  environment: a.environment ?? null,
  severity: a.severity,
  title: a.title,
  details: a.details ?? null,
  dedupKey: a.dedupKey,
  source: a.source,
  status: a.status,
  repeats: a.repeats,
  openedAt: a.openedAt,
  lastRaisedAt: a.lastRaisedAt,
  acknowledgedAt: a.acknowledgedAt ?? null,
  acknowledgedBy:
    a.acknowledgedByType && a.acknowledgedById
      ? { type: a.acknowledgedByType, id: a.acknowledgedById, display: a.acknowledgedByDisplay ?? '' }
      : null,
  resolvedAt: a.resolvedAt ?? null,
});

/**
 * The organization's alerts, newest first, filtered by status, project, environment and severity.
 * Keyset pagination on the time-ordered id over the (organization, id) index: a page costs the
 * same however many alerts came before it.
 */
export async function listAlerts(
  em: EntityManager,
  filter: {
    status?: AlertStatus | 'unresolved';
    projectId?: string;
    environment?: string;
    severity?: AlertSeverity;
    cursor?: string;
    limit: number;
  },
) {
  const rows = await em.find(
    Alert,
    {
      ...(filter.status === 'unresolved'
        ? { status: { $ne: 'resolved' } }
        : filter.status
          ? { status: filter.status }
          : {}),
      ...(filter.projectId ? { projectId: filter.projectId } : {}),
      ...(filter.environment ? { environment: filter.environment } : {}),
      ...(filter.severity ? { severity: filter.severity } : {}),
      ...(filter.cursor ? { id: { $lt: filter.cursor } } : {}),
    },
    { orderBy: { id: 'desc' }, limit: filter.limit + 1 },
  );
  return toPage(rows, filter.limit, alertView);
}

export async function loadAlert(em: EntityManager, id: string, options: { lock?: boolean } = {}) {
  const alert = await em.findOne(Alert, { id }, options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!alert) throw new AppError('ALERT_NOT_FOUND', 'Alert not found', { field: 'id' });
  return alert;
}

/**
 * A member takes an open alert on: it records who and when. Acknowledging it again changes nothing;
 * a resolved alert is over and cannot be acknowledged.
 */
export async function acknowledgeAlert(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  const alert = await loadAlert(em, id, { lock: true });
  if (alert.status === 'resolved') {
    throw new AppError('ALERT_RESOLVED', 'This alert is resolved already', { field: 'id' });
  }
  if (alert.status === 'acknowledged') return alertView(alert);
  alert.status = 'acknowledged';
  alert.acknowledgedAt = new Date();
  alert.acknowledgedByType = audit.actor.type;
  alert.acknowledgedById = audit.actor.id;
  alert.acknowledgedByDisplay = audit.actor.display;
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'alert.acknowledged',
    target: { type: 'alert', id: alert.id, display: alert.title },
    changes: { status: { before: 'open', after: 'acknowledged' } },
  });
  return alertView(alert);
}
