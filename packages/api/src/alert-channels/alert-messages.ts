/** The events the alert outbox carries. */
export type AlertEvent = 'deployment.failed' | 'alert.test' | 'alert.raised' | 'alert.resolved' | 'alert.summary';

/** An alert as every channel type renders it. */
export type AlertMessage = {
  /** The delivery's id: webhook receivers dedupe on it. */
  id: string;
  event: AlertEvent;
  title: string;
  text: string;
  severity: 'critical' | 'warning' | 'info';
  /** PagerDuty's event action: a resolution closes what the trigger with the same `dedupKey` opened. */
  action: 'trigger' | 'resolve';
  occurredAt: string;
  dedupKey: string;
  data: Record<string, unknown>;
};

/** What a monitoring alert's outbox rows carry: a snapshot, so the message reads as it was when sent. */
export type AlertPayload = {
  organization: { id: string; name: string; slug: string };
  project: { id: string; name: string; slug: string } | null;
  alert: {
    id: string;
    severity: 'critical' | 'warning' | 'info';
    title: string;
    details: string | null;
    dedupKey: string;
    source: string;
    environment: string | null;
    openedAt: string;
    resolvedAt: string | null;
    repeats: number;
  };
};

/** What a storm summary carries: the minute it covers, how many notifications it stands for, the first few. */
export type SummaryPayload = {
  window: { start: string; end: string };
  count: number;
  severity: 'critical' | 'warning' | 'info';
  items: { event: string; headline: string; severity: string; alertId: string | null }[];
};

/** How many grouped notifications a summary lists by name (it counts them all). */
export const SUMMARY_ITEMS_LISTED = 20;

const where = (p: AlertPayload) =>
  [p.project?.name, p.alert.environment].filter((part): part is string => Boolean(part)).join(' / ');

function describeMonitoringAlert(id: string, event: 'alert.raised' | 'alert.resolved', p: AlertPayload, at: string) {
  const place = where(p);
  const resolved = event === 'alert.resolved';
  return {
    id,
    event,
    title: resolved ? `Resolved: ${p.alert.title}` : `[${p.alert.severity.toUpperCase()}] ${p.alert.title}`,
    text: [
      `${p.organization.name}${place ? ` · ${place}` : ''} · from ${p.alert.source}`,
      resolved ? `Resolved after ${p.alert.repeats + 1} report(s).` : (p.alert.details ?? 'No details were given.'),
      `Alert ${p.alert.id} (${p.alert.dedupKey})`,
    ].join('\n'),
    severity: p.alert.severity,
    action: resolved ? ('resolve' as const) : ('trigger' as const),
    occurredAt: at,
    // One alert, one PagerDuty incident: its trigger and its resolution share this key.
    dedupKey: `alert-${p.alert.id}`,
    data: p,
  };
}

function describeSummary(id: string, p: SummaryPayload, at: string): AlertMessage {
  const listed = p.items.map((item) => `- [${item.severity}] ${item.headline}`);
  const more = p.count - p.items.length;
  return {
    id,
    event: 'alert.summary',
    title: `${p.count} more alert notification(s) grouped (the minute from ${p.window.start.slice(11, 16)} UTC)`,
    text: [
      'Alerts kept coming past this channel’s limit for one minute; they are recorded, and listed in StrictOps.',
      ...listed,
      ...(more > 0 ? [`…and ${more} more.`] : []),
    ].join('\n'),
    severity: p.severity,
    action: 'trigger',
    occurredAt: at,
    dedupKey: `summary-${id}`,
    data: p,
  };
}

/** Words for what happened, from the payload the outbox row carries. */
export function describeAlert(id: string, event: string, payload: Record<string, unknown>, at: Date): AlertMessage {
  const occurredAt = at.toISOString();
  if (event === 'alert.raised' || event === 'alert.resolved') {
    return describeMonitoringAlert(id, event, payload as AlertPayload, occurredAt);
  }
  if (event === 'alert.summary') return describeSummary(id, payload as SummaryPayload, occurredAt);
  if (event === 'deployment.failed') {
    const p = payload as {
      organization: { name: string };
      project: { name: string };
      environment: { name: string };
      deployment: { id: string; ref: string; statusMessage: string | null };
      severity?: 'critical' | 'warning';
    };
    return {
      id,
      event,
      title: deploymentFailedHeadline(p),
      text: [
        `${p.organization.name}: the deployment of ${p.deployment.ref} to ${p.environment.name} failed.`,
        p.deployment.statusMessage ? `Reason: ${p.deployment.statusMessage}` : 'No reason was reported.',
        `Deployment ${p.deployment.id}`,
      ].join('\n'),
      severity: p.severity ?? 'critical',
      action: 'trigger',
      occurredAt,
      dedupKey: `deployment-${p.deployment.id}`,
      data: payload,
    };
  }
  const channel = (payload as { channel?: { name?: string } }).channel?.name ?? 'this channel';
  return {
    id,
    event: 'alert.test',
    title: 'StrictOps test alert',
    text: `This is a test of the alert channel "${channel}". Nothing is wrong.`,
    severity: 'info',
    action: 'trigger',
    occurredAt,
    dedupKey: `test-${id}`,
    data: payload,
  };
}

export const deploymentFailedHeadline = (p: { project: { name: string }; environment: { name: string } }) =>
  `Deployment failed: ${p.project.name} to ${p.environment.name}`;
