import { AuditEvent, Organization, openDatabase } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';
import { purgeExpiredAuditEvents } from './audit-retention.service.ts';
import { diff } from './audit-writer.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const eventsOf = (organizationId: string) =>
  api.inOrganization(organizationId, (em) => em.find(AuditEvent, {}, { orderBy: { occurredAt: 'asc', id: 'asc' } }));

describe('audit events', () => {
  it('records the creation of an organization at sign-up, with actor and request context', async () => {
    const user = await api.signUp('audited');
    const [created] = await eventsOf(user.organization.id);
    expect(created).toMatchObject({
      action: 'organization.created',
      actorType: 'user',
      actorId: user.user.id,
      actorDisplay: user.email,
      targetType: 'organization',
      targetId: user.organization.id,
      ip: '127.0.0.1',
      userAgent: 'vitest',
      outcome: 'success',
    });
    expect(created?.requestId).toBeTruthy();
  });

  it('records an update with the before and after of what changed', async () => {
    const user = await api.signUp('renamer');
    await api.call({ token: user.token }).organizations.update({ name: 'After' });
    const events = await eventsOf(user.organization.id);
    expect(events.at(-1)).toMatchObject({
      action: 'organization.updated',
      changes: { name: { before: user.organization.name, after: 'After' } },
    });
  });

  it('leaves no event for a change that was refused and rolled back', async () => {
    const user = await api.signUp('refused');
    const holder = await api.signUp('holder');
    const before = await eventsOf(user.organization.id);
    await expectError(
      api.call({ token: user.token }).organizations.update({ name: unique('n'), slug: holder.organization.slug }),
      'SLUG_TAKEN',
    );
    expect(await eventsOf(user.organization.id)).toHaveLength(before.length);
  });

  it('is append-only for the application role', async () => {
    const user = await api.signUp('appendonly');
    await expect(
      api.inOrganization(user.organization.id, (em) => em.execute(`update "audit_event" set action = 'forged'`)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      api.inOrganization(user.organization.id, (em) => em.execute('delete from "audit_event"')),
    ).rejects.toThrow(/permission denied/);
    expect(await eventsOf(user.organization.id)).toHaveLength(1);
  });

  it('redacts secrets in recorded changes', () => {
    expect(diff({ name: 'a', secretHash: 'x' }, { name: 'b', secretHash: 'y' })).toEqual({
      name: { before: 'a', after: 'b' },
      secretHash: { before: '[redacted]', after: '[redacted]' },
    });
  });
});

describe('hash chain', () => {
  it('links every event to its predecessor and verifies', async () => {
    const user = await api.signUp('chain');
    for (const name of ['One', 'Two', 'Three']) await api.call({ token: user.token }).organizations.update({ name });
    const events = await eventsOf(user.organization.id);
    expect(events[0]?.prevHash).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
    expect(await api.call({ token: user.token }).auditEvents.verify({})).toEqual({
      ok: true,
      checked: 4,
      firstBroken: null,
    });
  });

  // Guards tamper evidence: an edit made straight in the database is found, at the edited event.
  it('reports the first broken link after a direct edit of one row', async () => {
    const user = await api.signUp('tamper');
    for (const name of ['A', 'B', 'C']) await api.call({ token: user.token }).organizations.update({ name });
    const events = await eventsOf(user.organization.id);
    const victim = events[2];
    // Only the owner can touch audit rows; the test steps up to it for this one statement.
    await api.inOrganization(user.organization.id, async (em) => {
      await em.execute('set local role postgres');
      await em.execute(`update "audit_event" set actor_display = 'someone else' where id = ?`, [victim?.id]);
    });
    const verification = await api.call({ token: user.token }).auditEvents.verify({});
    expect(verification).toMatchObject({ ok: false, checked: 2, firstBroken: { id: victim?.id } });
    expect(verification.firstBroken?.reason).toMatch(/content/);
  });

  it.skipIf(inject('embeddedDatabase'))('keeps one chain under concurrent writes (real PostgreSQL only)', async () => {
    const user = await api.signUp('concurrent-chain');
    await Promise.all(
      ['p', 'q', 'r', 's', 't', 'u'].map((name) => api.call({ token: user.token }).organizations.update({ name })),
    );
    expect(await api.call({ token: user.token }).auditEvents.verify({})).toMatchObject({ ok: true, checked: 7 });
  });

  it.skipIf(inject('embeddedDatabase'))(
    'never deadlocks mutations that lock the organization against ones that only append (real PostgreSQL only)',
    async () => {
      // Creating a project locks the organization's row before it appends to the chain; switching
      // an alert channel only appends, and the appended event's foreign key needs a key-share lock
      // on that same row.
      const user = await api.signUp('mixed-locks');
      await api.orm.em.fork().nativeUpdate(Organization, { id: user.organization.id }, { tier: 'ENTERPRISE' });
      const call = api.call({ token: user.token });
      const channels: { id: string }[] = [];
      for (const i of [1, 2, 3]) {
        const { channel } = await call.alertChannels.create({
          name: `c${i}`,
          type: 'email',
          target: `c${i}@example.com`,
        });
        channels.push(channel);
      }
      // Demoting an admin locks the row too, in the last-admin trigger.
      for (const i of [1, 2, 3, 4, 5, 6])
        await api.memberOf(user.organization.id, 'strictops_admin', `extra-admin-${i}`);
      const { items: members } = await call.members.list({});
      const extraAdmins = members.filter((m) => m.userId !== user.user.id);
      const outcomes = await Promise.allSettled(
        [0, 1, 2, 3, 4, 5].flatMap((round) => [
          call.projects.create({ name: unique(`locks ${round}`) }),
          call.members.updateRole({ id: extraAdmins[round]?.id as string, role: 'customer' }),
          // The slug is unique: renaming it must not take a lock that blocks audit events either.
          call.organizations.update({
            slug: unique(`locks-${round}`)
              .toLowerCase()
              .replace(/[^a-z0-9-]/g, '-'),
          }),
          ...channels.map((c) => call.alertChannels.update({ id: c.id, enabled: round % 2 === 0 })),
        ]),
      );
      const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
      expect(failures).toEqual([]);
      expect(await call.auditEvents.verify({})).toMatchObject({ ok: true });
    },
  );
});

describe('lock conflicts', () => {
  it.skipIf(inject('embeddedDatabase'))(
    'a request chosen as a deadlock victim gets CONFLICT and changes nothing (real PostgreSQL only)',
    async () => {
      const user = await api.signUp('deadlock-victim');
      const call = api.call({ token: user.token });
      const { channel } = await call.alertChannels.create({ name: 'victim', type: 'email', target: 'v@example.com' });
      const eventsBefore = await api.inOrganization(user.organization.id, (em) => em.count(AuditEvent, {}));
      // Waiting for this organization's audit chain lock: the request has locked the row by then.
      const waitsForTheChain = async () => {
        const [row] = await api.orm.em.fork().execute<{ n: number }[]>(
          `select count(*)::int as n
             from pg_locks l, (select hashtextextended('audit:' || ?, 0) as k) key
            where l.locktype = 'advisory' and not l.granted and l.objsubid = 1
              and l.classid::bigint = (key.k >> 32) & 4294967295 and l.objid::bigint = key.k & 4294967295`,
          [user.organization.id],
        );
        return (row?.n ?? 0) > 0;
      };
      let victim: Promise<unknown> | undefined;
      const rolledBack = new Error('roll back the blocker');
      // A blocker that holds the organization's audit chain lock, waits for the request to lock the
      // channel's row and then wait for the chain, then asks for that row itself: a lock cycle.
      await api
        .inOrganization(user.organization.id, async (em) => {
          await em.execute(`select pg_advisory_xact_lock(hashtextextended('audit:' || ?, 0))`, [user.organization.id]);
          victim = call.alertChannels.update({ id: channel.id, enabled: false });
          victim.catch(() => {}); // awaited below, once the blocker is gone
          for (let i = 0; i < 100 && !(await waitsForTheChain()); i++) await new Promise((r) => setTimeout(r, 20));
          await em.execute(`update alert_channel set name = 'blocker' where id = ?`, [channel.id]);
          throw rolledBack;
        })
        .catch((error: unknown) => {
          if (error !== rolledBack) throw error;
        });
      await expectError(victim as Promise<never>, 'CONFLICT');
      const [after] = (await call.alertChannels.list({})).items;
      expect(after).toMatchObject({ name: 'victim', enabled: true });
      expect(await api.inOrganization(user.organization.id, (em) => em.count(AuditEvent, {}))).toBe(eventsBefore);
    },
  );
});

describe('auditEvents.list', () => {
  it('pages newest first and filters by action, actor and target', async () => {
    const user = await api.signUp('lister');
    for (const name of ['L1', 'L2', 'L3']) await api.call({ token: user.token }).organizations.update({ name });
    const call = api.call({ token: user.token }).auditEvents;
    const first = await call.list({ limit: 2 });
    expect(first.items.map((e) => e.action)).toEqual(['organization.updated', 'organization.updated']);
    expect(first.items[0]?.changes).toEqual({ name: { before: 'L2', after: 'L3' } });
    const second = await call.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((e) => e.action)).toEqual(['organization.updated', 'organization.created']);
    expect(second.nextCursor).toBeNull();
    expect((await call.list({ action: 'organization.created' })).items).toHaveLength(1);
    expect((await call.list({ actorId: user.user.id })).items).toHaveLength(4);
    expect((await call.list({ targetType: 'organization', targetId: user.organization.id })).items).toHaveLength(4);
    expect((await call.list({ from: new Date(Date.now() + 60_000) })).items).toHaveLength(0);
    await expectError(call.list({ cursor: 'abc' }), 'VALIDATION_FAILED');
    await expectError(call.list({ limit: 201 }), 'VALIDATION_FAILED');
  });

  it('is for admins only', async () => {
    const admin = await api.signUp('audit-admin');
    const customer = await api.memberOf(admin.organization.id, 'customer');
    await expectError(
      api.call({ token: customer.token, organization: admin.organization.id }).auditEvents.list({}),
      'PERMISSION_DENIED',
    );
  });
});

describe('denied attempts', () => {
  it('are recorded with outcome denied, one a minute however many there are', async () => {
    const admin = await api.signUp('denier');
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = () => api.call({ token: customer.token, organization: admin.organization.id });
    for (let i = 0; i < 5; i++)
      await expectError(asCustomer().organizations.update({ name: 'x' }), 'PERMISSION_DENIED');
    const denied = (await api.call({ token: admin.token }).auditEvents.list({ action: 'permission.denied' })).items;
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      outcome: 'denied',
      actor: { type: 'user', id: customer.user.id },
      target: { type: 'procedure', id: 'organizations.update' },
    });
    expect((await api.call({ token: admin.token }).auditEvents.verify({})).ok).toBe(true);
  });

  // Guards the tier gate on the export: decided by the policy, refused as FEATURE_NOT_IN_TIER and
  // recorded like any other refusal.
  it('include an audit export on a tier without it', async () => {
    const admin = await api.signUp('export-tier');
    const error = await expectError(
      api.call({ token: admin.token }).auditEvents.export({ format: 'csv' }),
      'FEATURE_NOT_IN_TIER',
    );
    expect((error.cause as { details?: unknown }).details).toEqual({ feature: 'auditExport', tier: 'FREE' });
    const denied = (await api.call({ token: admin.token }).auditEvents.list({ action: 'permission.denied' })).items;
    expect(denied).toMatchObject([
      { target: { id: 'auditEvents.export' }, changes: { rule: { after: 'audit.export: auditExport' } } },
    ]);
    await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'PROFESSIONAL' });
    await expect(api.call({ token: admin.token }).auditEvents.export({ format: 'csv' })).resolves.toBeDefined();
  });
});

describe('retention purge', () => {
  // Needs the owner and the application role connected side by side, which PGlite's one session cannot do.
  it.skipIf(inject('embeddedDatabase'))(
    'deletes events past the tier’s retention and leaves a chain that still verifies (real PostgreSQL only)',
    async () => {
      const user = await api.signUp('retention');
      for (const name of ['R1', 'R2', 'R3', 'R4']) await api.call({ token: user.token }).organizations.update({ name });
      const events = await eventsOf(user.organization.id);
      // Age the first three events past FREE's 7 days (as the owner: audit rows are otherwise immutable).
      await api.inOrganization(user.organization.id, async (em) => {
        await em.execute('set local role postgres');
        await em.execute(`update "audit_event" set occurred_at = now() - interval '8 days' where id in (?, ?, ?)`, [
          events[0]?.id,
          events[1]?.id,
          events[2]?.id,
        ]);
      });
      const owner = await openDatabase({ url: inject('databaseUrl'), poolSize: 1, role: 'owner' });
      try {
        const report = await purgeExpiredAuditEvents(owner);
        expect(report.eventsPurged).toBeGreaterThanOrEqual(3);
      } finally {
        await owner.close();
      }
      const kept = await eventsOf(user.organization.id);
      expect(kept.map((e) => e.id)).toEqual(events.slice(3).map((e) => e.id));
      expect(await api.call({ token: user.token }).auditEvents.verify({})).toEqual({
        ok: true,
        checked: 2,
        firstBroken: null,
      });
      // New events chain on after the purge.
      await api.call({ token: user.token }).organizations.update({ name: 'R5' });
      expect((await api.call({ token: user.token }).auditEvents.verify({})).ok).toBe(true);
    },
  );
});
