import type { EntityManager } from '@mikro-orm/postgresql';
import { Alert, type AlertSeverity, enterOrganization, Organization, Project, uuidv7 } from '@strictops/db';
import type { AlertPayload } from '../alert-channels/alert-messages.ts';
import { notifyChannels, notifyResolved } from '../alert-channels/outbox.ts';
import type { Actor, AuditScope, RequestOrigin } from '../audit/audit-writer.ts';
import { recordAuditEvent } from '../audit/audit-writer.ts';
import { findEnvironmentOf } from '../environments/environments.service.ts';
import { AppError } from '../errors.ts';
import { alertView } from './alerts.service.ts';

/**
 * The monitoring service's side of alerts: raise and resolve, for any organization it names. Each
 * call checks the organization exists and then runs scoped to it, like every internal procedure.
 */

export type RaiseAlert = {
  organizationId: string;
  projectId?: string;
  environment?: string;
  severity: AlertSeverity;
  title: string;
  details?: string;
  dedupKey: string;
  source: string;
};

type Caller = { actor: Actor; origin: RequestOrigin };

async function enterNamedOrganization(em: EntityManager, organizationId: string) {
  const organization = await em.findOne(Organization, { id: organizationId, deletedAt: null });
  if (!organization) {
    throw new AppError('ORGANIZATION_NOT_FOUND', 'Organization not found', { field: 'organizationId' });
  }
  await enterOrganization(em, organization.id);
  return organization;
}

/** The project and environment an alert names, checked to be this organization's; names as stored. */
async function placeOf(em: EntityManager, input: RaiseAlert) {
  if (!input.projectId) return { project: null, environment: input.environment ?? null };
  const project = await em.findOne(Project, { id: input.projectId });
  if (!project) throw new AppError('PROJECT_NOT_FOUND', 'Project not found', { field: 'projectId' });
  const environment = input.environment ? (await findEnvironmentOf(em, project.id, input.environment)).name : null;
  return { project, environment };
}

const payloadOf = (
  organization: Organization,
  project: { id: string; name: string; slug: string } | null,
  alert: Alert,
): AlertPayload => ({
  organization: { id: organization.id, name: organization.name, slug: organization.slug },
  project: project ? { id: project.id, name: project.name, slug: project.slug } : null,
  alert: {
    id: alert.id,
    severity: alert.severity,
    title: alert.title,
    details: alert.details ?? null,
    dedupKey: alert.dedupKey,
    source: alert.source,
    environment: alert.environment ?? null,
    openedAt: alert.openedAt.toISOString(),
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    repeats: alert.repeats,
  },
});

/**
 * Opens an alert, or counts a repeat of the open one with the same key. The partial unique index
 * (one unresolved alert per organization and key) decides between the two, so concurrent raises of
 * one key open exactly one alert: the insert waits for a concurrent one to commit and then does
 * nothing, and the raise becomes a repeat. A repeat keeps the latest details and notifies no one.
 * Should the open alert be resolved between the two statements, the loop opens a new one.
 */
export async function raiseAlert(em: EntityManager, { actor, origin, ...input }: Caller & RaiseAlert) {
  const organization = await enterNamedOrganization(em, input.organizationId);
  const place = await placeOf(em, input);
  const audit: AuditScope = { organizationId: organization.id, actor, origin };
  const details = input.details || null;
  for (;;) {
    const now = new Date();
    const opened = await insertOpenAlert(em, { organizationId: organization.id, place, input, details, now });
    if (opened) {
      await announceOpened(em, { audit, organization, place, alert: opened });
      return { alert: alertView(opened), opened: true };
    }
    const repeated = await countRepeat(em, { audit, organizationId: organization.id, input, details, now });
    if (repeated) return { alert: alertView(repeated), opened: false };
  }
}

type Place = Awaited<ReturnType<typeof placeOf>>;

/** Opens the alert; null when an unresolved one with the same key is open already. */
async function insertOpenAlert(
  em: EntityManager,
  {
    organizationId,
    place,
    input,
    details,
    now,
  }: { organizationId: string; place: Place; input: RaiseAlert; details: string | null; now: Date },
) {
  // Scoped by hand (and by row-level security): the organization is the one just entered.
  const [opened] = await em.execute<Record<string, unknown>[]>(
    `insert into alert (id, organization_id, project_id, environment, severity, title, details, dedup_key, source,
                        status, repeats, opened_at, last_raised_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, ?)
     on conflict (organization_id, dedup_key) where status <> 'resolved' do nothing
     returning *`,
    [
      uuidv7(),
      organizationId,
      place.project?.id ?? null,
      place.environment,
      input.severity,
      input.title,
      details,
      input.dedupKey,
      input.source,
      now,
      now,
    ],
  );
  return opened ? em.map(Alert, opened) : null;
}

/** A new alert is audited and goes to the channels its routing selects. */
async function announceOpened(
  em: EntityManager,
  {
    audit,
    organization,
    place: { project, environment },
    alert,
  }: { audit: AuditScope; organization: Organization; place: Place; alert: Alert },
) {
  await recordAuditEvent(em, audit, {
    action: 'alert.raised',
    target: { type: 'alert', id: alert.id, display: alert.title },
    changes: {
      status: { after: 'open' },
      severity: { after: alert.severity },
      dedupKey: { after: alert.dedupKey },
      source: { after: alert.source },
    },
  });
  const where = [project?.name, environment].filter(Boolean).join(' / ');
  await notifyChannels(em, organization.id, {
    event: 'alert.raised',
    payload: payloadOf(organization, project, alert),
    route: { severity: alert.severity, projectId: alert.projectId ?? null, environment: alert.environment ?? null },
    headline: where ? `${alert.title} (${where})` : alert.title,
    alertId: alert.id,
  });
}

/**
 * Counts a repeat of the open alert with the key, keeping the latest details; null when it was
 * resolved since the insert found it open.
 */
async function countRepeat(
  em: EntityManager,
  {
    audit,
    organizationId,
    input,
    details,
    now,
  }: { audit: AuditScope; organizationId: string; input: RaiseAlert; details: string | null; now: Date },
) {
  const [repeated] = await em.execute<Record<string, unknown>[]>(
    `update alert set repeats = repeats + 1, details = ?, last_raised_at = ?
      where organization_id = ? and dedup_key = ? and status <> 'resolved'
      returning *`,
    [details, now, organizationId, input.dedupKey],
  );
  if (!repeated) return null;
  const alert = em.map(Alert, repeated);
  await recordAuditEvent(em, audit, {
    action: 'alert.repeated',
    target: { type: 'alert', id: alert.id, display: alert.title },
    changes: { repeats: { before: alert.repeats - 1, after: alert.repeats } },
  });
  return alert;
}

/**
 * Resolves the open alert with this key, once: concurrent resolutions queue on its row and only
 * the first finds it unresolved. The channels that were told of it hear that it is over. With no
 * open alert under the key, nothing changes (monitoring may resolve what already cleared).
 */
export async function resolveAlert(
  em: EntityManager,
  { actor, origin, organizationId, dedupKey }: Caller & { organizationId: string; dedupKey: string },
) {
  const organization = await enterNamedOrganization(em, organizationId);
  const [resolved] = await em.execute<Record<string, unknown>[]>(
    `update alert set status = 'resolved', resolved_at = ?
      where organization_id = ? and dedup_key = ? and status <> 'resolved'
      returning *`,
    [new Date(), organization.id, dedupKey],
  );
  if (!resolved) return { resolved: false, alert: null };
  const alert = em.map(Alert, resolved);
  await recordAuditEvent(
    em,
    { organizationId: organization.id, actor, origin },
    {
      action: 'alert.resolved',
      target: { type: 'alert', id: alert.id, display: alert.title },
      changes: { status: { after: 'resolved' } },
    },
  );
  const project = alert.projectId ? await em.findOne(Project, { id: alert.projectId }) : null;
  await notifyResolved(em, organization.id, {
    event: 'alert.resolved',
    payload: payloadOf(organization, project, alert),
    route: { severity: alert.severity, projectId: alert.projectId ?? null, environment: alert.environment ?? null },
    headline: `Resolved: ${alert.title}`,
    alertId: alert.id,
  });
  return { resolved: true, alert: alertView(alert) };
}
