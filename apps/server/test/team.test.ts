import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ORIGIN, signUp, uniqueEmail } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const bearer = (token: string, organization?: string) => ({
  authorization: `Bearer ${token}`,
  ...(organization ? { 'x-strictops-organization': organization } : {}),
});

function tokenSentTo(email: string) {
  const mail = t.mailer.outbox.findLast((m) => m.to === email && m.acceptUrl);
  if (!mail?.acceptUrl) throw new Error(`nothing sent to ${email}`);
  return new URL(mail.acceptUrl).searchParams.get('token') as string;
}

describe('team management over REST', () => {
  it('invite, sign up through the link, promote, demote, remove, keep the last admin, delete', async () => {
    const admin = await signUp(t.app, 'rest-admin');
    const auth = bearer(admin.token);
    const email = uniqueEmail('rest-colleague');

    const invited = await t.app.inject({ method: 'POST', url: '/invitations', headers: auth, payload: { email } });
    expect(invited.statusCode).toBe(200);
    expect(invited.json()).toMatchObject({ email, role: 'customer', status: 'pending' });
    expect(t.mailer.outbox.findLast((m) => m.to === email)?.acceptUrl?.startsWith(`${ORIGIN}/invitations/accept`)).toBe(
      true,
    );
    const token = tokenSentTo(email);

    const preview = await t.app.inject({ method: 'POST', url: '/invitations/lookup', payload: { token } });
    expect(preview.statusCode).toBe(200);
    expect(Object.keys(preview.json()).sort()).toEqual(['expiresAt', 'inviterName', 'organizationName', 'role']);

    const joined = await t.app.inject({
      method: 'POST',
      url: '/auth/sign-up',
      payload: { email, password: 'correct horse battery', name: 'Colleague', invitationToken: token },
    });
    expect(joined.statusCode).toBe(200);
    const colleagueToken = joined.json().session.token as string;
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(colleagueToken) });
    expect(me.json().activeOrganization.role).toBe('customer');
    const organizationId = me.json().activeOrganization.id as string;

    const list = await t.app.inject({ method: 'GET', url: '/members?limit=10', headers: auth });
    expect(list.statusCode).toBe(200);
    const colleague = list.json().items.find((m: { email: string }) => m.email === email);
    expect(colleague).toMatchObject({ role: 'customer', name: 'Colleague' });
    expect(list.json().nextCursor).toBeNull();

    for (const role of ['strictops_admin', 'customer']) {
      const updated = await t.app.inject({
        method: 'PATCH',
        url: `/members/${colleague.id}`,
        headers: auth,
        payload: { role },
      });
      expect(updated.statusCode).toBe(200);
      expect(updated.json().role).toBe(role);
    }

    const customerTries = await t.app.inject({
      method: 'POST',
      url: '/invitations',
      headers: bearer(colleagueToken),
      payload: { email: uniqueEmail('nope') },
    });
    expect(customerTries.statusCode).toBe(403);

    const removed = await t.app.inject({ method: 'DELETE', url: `/members/${colleague.id}`, headers: auth });
    expect(removed.statusCode).toBe(200);
    const lockedOut = await t.app.inject({
      method: 'GET',
      url: '/members',
      headers: bearer(colleagueToken, organizationId),
    });
    expect(lockedOut.statusCode).toBe(404);

    const leave = await t.app.inject({ method: 'POST', url: '/members/leave', headers: auth, payload: {} });
    expect(leave.statusCode).toBe(409);
    expect(leave.json().data.errorCode).toBe('LAST_ADMIN');

    const slug = (await t.app.inject({ method: 'GET', url: '/organizations/current', headers: auth })).json().slug;
    const wrong = await t.app.inject({
      method: 'DELETE',
      url: '/organizations/current?confirmSlug=nope',
      headers: auth,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().data.errorCode).toBe('CONFIRMATION_MISMATCH');
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/organizations/current?confirmSlug=${slug}`,
      headers: auth,
    });
    expect(deleted.statusCode).toBe(200);
    const after = await t.app.inject({ method: 'GET', url: '/members', headers: bearer(admin.token, slug) });
    expect(after.statusCode).toBe(404);
  });

  it('answers bad invitation tokens with their own status and code', async () => {
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/invitations/lookup',
      payload: { token: 'z'.repeat(43) },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().data.errorCode).toBe('INVITATION_NOT_FOUND');
    const malformed = await t.app.inject({ method: 'POST', url: '/invitations/lookup', payload: { token: 'x' } });
    expect(malformed.statusCode).toBe(400);

    const admin = await signUp(t.app, 'rest-states');
    const other = await signUp(t.app, 'rest-other');
    const email = uniqueEmail('rest-invitee');
    const invitation = (
      await t.app.inject({ method: 'POST', url: '/invitations', headers: bearer(admin.token), payload: { email } })
    ).json();
    const token = tokenSentTo(email);
    const mismatch = await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(other.token),
      payload: { token },
    });
    expect(mismatch.statusCode).toBe(403);
    expect(mismatch.json().data.errorCode).toBe('INVITATION_EMAIL_MISMATCH');

    const resent = await t.app.inject({
      method: 'POST',
      url: `/invitations/${invitation.id}/resend`,
      headers: bearer(admin.token),
      payload: {},
    });
    expect(resent.statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: 'POST',
      url: `/invitations/${invitation.id}/revoke`,
      headers: bearer(admin.token),
      payload: {},
    });
    expect(revoked.json().status).toBe('revoked');
    const gone = await t.app.inject({
      method: 'POST',
      url: '/invitations/lookup',
      payload: { token: tokenSentTo(email) },
    });
    expect(gone.statusCode).toBe(412);
    expect(gone.json().data.errorCode).toBe('INVITATION_REVOKED');

    const listed = await t.app.inject({
      method: 'GET',
      url: '/invitations?status=revoked',
      headers: bearer(admin.token),
    });
    expect(listed.json().items.map((i: { id: string }) => i.id)).toEqual([invitation.id]);
    const badStatus = await t.app.inject({
      method: 'GET',
      url: '/invitations?status=lost',
      headers: bearer(admin.token),
    });
    expect(badStatus.statusCode).toBe(400);
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/invitations',
      '/invitations/{id}/revoke',
      '/invitations/{id}/resend',
      '/invitations/lookup',
      '/invitations/accept',
      '/members',
      '/members/{id}',
      '/members/leave',
      '/organizations/current',
    ]) {
      expect(document.paths[path], path).toBeDefined();
    }
    expect(document.paths['/organizations/current'].delete).toBeDefined();
  });
});
