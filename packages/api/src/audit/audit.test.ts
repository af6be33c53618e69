import { AuditEvent } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';
import { diff } from './audit.service.ts';

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
