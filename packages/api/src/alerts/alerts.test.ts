// Alerts as the monitoring service raises them and members see them. No alert channel is created
// here: what reaches channels (routing, PagerDuty, storms) is tested with the dispatcher in
// alert-channels.test.ts, the one file that runs it, so no other test file's dispatcher takes them.
import { Alert, AuditEvent, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

async function organization(label: string) {
  const admin = await api.signUp(label);
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'ENTERPRISE' });
  const call = api.call({ token: admin.token, organization: admin.organization.id });
  const project = await call.projects.create({ name: unique('Monitored') });
  return { admin, call, project, organizationId: admin.organization.id };
}

const monitoring = () => api.call({ token: api.serviceTokens.monitoring }).internal.alerts;

const auditOf = (organizationId: string) =>
  api.inOrganization(organizationId, (em) => em.find(AuditEvent, { targetType: 'alert' }, { orderBy: { seq: 'asc' } }));

describe('raising and resolving', () => {
  it('opens an alert, counts repeats keeping the last details, resolves it once, and opens a new one after', async () => {
    const { call, project, organizationId } = await organization('lifecycle');
    const raise = (details: string) =>
      monitoring().raise({
        organizationId,
        projectId: project.id,
        environment: 'Production',
        severity: 'critical',
        title: 'Disk 95% full on db-1',
        details,
        dedupKey: 'disk-full-db-1',
        source: 'prometheus',
      });
    const first = await raise('95%');
    expect(first).toMatchObject({
      opened: true,
      alert: {
        projectId: project.id,
        environment: 'production',
        severity: 'critical',
        status: 'open',
        repeats: 0,
        details: '95%',
        source: 'prometheus',
        resolvedAt: null,
      },
    });
    const second = await raise('97%');
    expect(second).toMatchObject({ opened: false, alert: { id: first.alert.id, repeats: 1, details: '97%' } });
    expect((await call.alerts.get({ id: first.alert.id })).lastRaisedAt.getTime()).toBeGreaterThanOrEqual(
      first.alert.lastRaisedAt.getTime(),
    );

    const resolved = await monitoring().resolve({ organizationId, dedupKey: 'disk-full-db-1' });
    expect(resolved).toMatchObject({ resolved: true, alert: { id: first.alert.id, status: 'resolved' } });
    expect(resolved.alert?.resolvedAt).toBeInstanceOf(Date);
    // Resolving again, or a key nobody raised, changes nothing.
    expect(await monitoring().resolve({ organizationId, dedupKey: 'disk-full-db-1' })).toEqual({
      resolved: false,
      alert: null,
    });

    const again = await raise('99%');
    expect(again.opened).toBe(true);
    expect(again.alert.id).not.toBe(first.alert.id);
    expect((await auditOf(organizationId)).map((e) => [e.action, e.actorType, e.actorId])).toEqual([
      ['alert.raised', 'service', 'monitoring'],
      ['alert.repeated', 'service', 'monitoring'],
      ['alert.resolved', 'service', 'monitoring'],
      ['alert.raised', 'service', 'monitoring'],
    ]);
  });

  it.skipIf(inject('embeddedDatabase'))(
    'opens one alert for 100 concurrent raises of one key (real PostgreSQL only: PGlite runs one transaction at a time)',
    async () => {
      const { organizationId } = await organization('concurrent-raise');
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          monitoring().raise({
            organizationId,
            severity: 'warning',
            title: 'Queue backlog',
            details: `raise ${i}`,
            dedupKey: 'queue-backlog',
            source: 'cloudwatch',
          }),
        ),
      );
      expect(results.filter((r) => r.opened)).toHaveLength(1);
      expect(new Set(results.map((r) => r.alert.id)).size).toBe(1);
      const stored = await api.inOrganization(organizationId, (em) => em.find(Alert, { dedupKey: 'queue-backlog' }));
      expect(stored).toHaveLength(1);
      expect(stored[0]?.repeats).toBe(99);
      const events = await auditOf(organizationId);
      expect(events.filter((e) => e.action === 'alert.raised')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'alert.repeated')).toHaveLength(99);
    },
  );

  it.skipIf(inject('embeddedDatabase'))(
    'resolves once under concurrent resolutions (real PostgreSQL only)',
    async () => {
      const { organizationId } = await organization('concurrent-resolve');
      await monitoring().raise({ organizationId, severity: 'info', title: 'x', dedupKey: 'k', source: 's' });
      const results = await Promise.all(
        Array.from({ length: 10 }, () => monitoring().resolve({ organizationId, dedupKey: 'k' })),
      );
      expect(results.filter((r) => r.resolved)).toHaveLength(1);
      expect((await auditOf(organizationId)).filter((e) => e.action === 'alert.resolved')).toHaveLength(1);
    },
  );

  it('refuses what is not this organization’s, and writes nothing', async () => {
    const { organizationId } = await organization('refusals');
    const other = await organization('refusals-other');
    const base = { organizationId, severity: 'info' as const, title: 't', dedupKey: 'k', source: 's' };
    const refused = async (
      input: Parameters<ReturnType<typeof monitoring>['raise']>[0],
      code: string,
      field: string,
    ) => {
      const error = await expectError(monitoring().raise(input), code as never);
      expect((error.cause as { field?: string }).field).toBe(field);
    };
    await refused({ ...base, projectId: other.project.id }, 'PROJECT_NOT_FOUND', 'projectId');
    const { project } = await organization('refusals-project');
    await refused(
      { ...base, organizationId: other.organizationId, projectId: project.id },
      'PROJECT_NOT_FOUND',
      'projectId',
    );
    await refused(
      { ...base, projectId: other.project.id, organizationId: other.organizationId, environment: 'qa' },
      'ENVIRONMENT_NOT_FOUND',
      'environment',
    );
    await refused(
      { ...base, organizationId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' },
      'ORGANIZATION_NOT_FOUND',
      'organizationId',
    );
    await expectError(monitoring().raise({ ...base, severity: 'fatal' as never }), 'VALIDATION_FAILED');
    await expectError(monitoring().raise({ ...base, title: '' }), 'VALIDATION_FAILED');
    for (const id of [organizationId, other.organizationId]) {
      expect(await api.inOrganization(id, (em) => em.count(Alert, {}))).toBe(0);
    }
  });
});

describe('the monitoring credential', () => {
  it('raises and resolves alerts and does nothing else; no other credential raises them', async () => {
    const { admin, organizationId } = await organization('credential');
    await expectError(
      api.call({ token: api.serviceTokens.monitoring }).internal.deployments.claim({ workerId: 'monitoring' }),
      'PERMISSION_DENIED',
    );
    await expectError(
      api
        .call({ token: api.serviceTokens.monitoring })
        .internal.organizations.setTier({ organizationId, tier: 'FREE' }),
      'PERMISSION_DENIED',
    );
    const input = { organizationId, severity: 'info' as const, title: 't', dedupKey: 'k', source: 's' };
    await expectError(api.call({ token: api.serviceToken }).internal.alerts.raise(input), 'PERMISSION_DENIED');
    const { token } = await api.call({ token: admin.token }).apiTokens.create({ name: 'x', scopes: ['admin'] });
    for (const credential of [admin.token, token]) {
      await expectError(api.call({ token: credential }).internal.alerts.raise(input), 'UNAUTHENTICATED');
    }
    expect(await api.inOrganization(organizationId, (em) => em.count(Alert, {}))).toBe(0);
  });
});

describe('alerts for members', () => {
  it('lists newest first, filtered by status, project, environment and severity, a page at a time', async () => {
    const { call, project, organizationId } = await organization('list');
    const raise = (dedupKey: string, extra: Record<string, unknown> = {}) =>
      monitoring().raise({ organizationId, severity: 'warning', title: dedupKey, dedupKey, source: 'test', ...extra });
    await raise('a', { projectId: project.id, environment: 'production', severity: 'critical' });
    await raise('b', { projectId: project.id, environment: 'dev' });
    await raise('c');
    await raise('d', { severity: 'info' });
    await monitoring().resolve({ organizationId, dedupKey: 'c' });

    const titles = async (input: Parameters<typeof call.alerts.list>[0]) =>
      (await call.alerts.list(input)).items.map((a) => a.title);
    expect(await titles({})).toEqual(['d', 'c', 'b', 'a']);
    expect(await titles({ status: 'resolved' })).toEqual(['c']);
    expect(await titles({ status: 'unresolved' })).toEqual(['d', 'b', 'a']);
    expect(await titles({ status: 'open' })).toEqual(['d', 'b', 'a']);
    expect(await titles({ projectId: project.id })).toEqual(['b', 'a']);
    expect(await titles({ environment: 'production' })).toEqual(['a']);
    expect(await titles({ severity: 'warning' })).toEqual(['c', 'b']);
    const first = await call.alerts.list({ limit: 3 });
    const rest = await call.alerts.list({ limit: 3, cursor: first.nextCursor ?? undefined });
    expect([...first.items, ...rest.items].map((a) => a.title)).toEqual(['d', 'c', 'b', 'a']);
    expect(rest.nextCursor).toBeNull();
  });

  it('acknowledges by any member, recording who; a resolved alert cannot be acknowledged', async () => {
    const { call, organizationId } = await organization('acknowledge');
    const customer = await api.memberOf(organizationId, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: organizationId });
    const { alert } = await monitoring().raise({
      organizationId,
      severity: 'critical',
      title: 'Down',
      dedupKey: 'down',
      source: 's',
    });

    const acknowledged = await asCustomer.alerts.acknowledge({ id: alert.id });
    expect(acknowledged).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: { type: 'user', id: customer.user.id, display: customer.email },
    });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);
    // Again: no change, no second event; the first acknowledgement stands.
    expect(await call.alerts.acknowledge({ id: alert.id })).toEqual(acknowledged);
    // Acknowledged is still open for dedup: a repeat counts on it.
    expect(
      await monitoring().raise({ organizationId, severity: 'critical', title: 'Down', dedupKey: 'down', source: 's' }),
    ).toMatchObject({ opened: false, alert: { id: alert.id, status: 'acknowledged', repeats: 1 } });
    await monitoring().resolve({ organizationId, dedupKey: 'down' });
    await expectError(call.alerts.acknowledge({ id: alert.id }), 'ALERT_RESOLVED');

    const events = await auditOf(organizationId);
    expect(events.filter((e) => e.action === 'alert.acknowledged').map((e) => e.actorId)).toEqual([customer.user.id]);
    const outsider = await api.signUp('outsider');
    await expectError(api.call({ token: outsider.token }).alerts.get({ id: alert.id }), 'ALERT_NOT_FOUND');
    await expectError(call.alerts.get({ id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }), 'ALERT_NOT_FOUND');
  });
});
