/**
 * No third-party call runs inside a database transaction: while AWS STS, a channel's endpoint or
 * the mail relay is being waited on, the request holds no pooled connection (a slow third party
 * cannot drain the pool). Each stand-in notes how many of the API's connections are checked out at
 * the moment it is called.
 */
import { Organization } from '@strictops/db';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stsHandler } from './testing/aws-sts.ts';
import { createTestApi, type TestApi, unique } from './testing/harness.ts';

const WEBHOOK_URL = 'https://hooks.example.com/strictops-third-party';
const seen: number[] = [];
let api: TestApi;

/** Connections of the API's pool that are checked out right now. */
async function checkedOut() {
  const pool = (await api.orm.em.getConnection().getNativeClient()) as { totalCount: number; idleCount: number };
  return pool.totalCount - pool.idleCount;
}

// Notes the pool, then lets the next handler (the stand-in STS) answer.
const notingSts = http.post(/^https:\/\/sts\.[a-z0-9-]+\.amazonaws\.com\/?$/, async () => {
  seen.push(await checkedOut());
});

const server = setupServer(
  http.post(WEBHOOK_URL, async () => {
    seen.push(await checkedOut());
    return HttpResponse.text('ok');
  }),
);

beforeAll(async () => {
  server.listen({ onUnhandledFrame: 'error' });
  api = await createTestApi();
});
afterAll(async () => {
  server.close();
  await api.close();
});
afterEach(() => {
  seen.length = 0;
  server.resetHandlers();
  vi.restoreAllMocks();
});

async function admin(label: string) {
  const user = await api.signUp(label);
  await api.orm.em.fork().nativeUpdate(Organization, { id: user.organization.id }, { tier: 'ENTERPRISE' });
  return api.call({ token: user.token, organization: user.organization.id });
}

describe('third-party calls', () => {
  it('AWS STS is asked with no database connection held, and the answer is recorded after', async () => {
    const call = await admin('sts-pool');
    const { connection } = await call.awsConnections.create({ name: 'Account' });
    const roleArn = `arn:aws:iam::123456789012:role/${unique('Pool')}`;
    server.use(notingSts, stsHandler({ [roleArn]: { externalId: connection.externalId } }));
    const verified = await call.awsConnections.verify({ id: connection.id, roleArn });
    expect(verified.status).toBe('verified');
    expect(seen).toEqual([0, 0]); // with the external ID, then without
  });

  it('a test alert is sent with no database connection held, and the try recorded after', async () => {
    const call = await admin('send-pool');
    const { channel } = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    const result = await call.alertChannels.test({ id: channel.id });
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(seen).toEqual([0]);
    const log = await call.alertChannels.deliveries({ id: channel.id });
    expect(log.items).toEqual([expect.objectContaining({ event: 'alert.test', status: 'delivered' })]);
  });

  it('an invitation email is sent with no database connection held, before the invitation is written', async () => {
    const call = await admin('mail-pool');
    const send = api.mailer.sendInvitation.bind(api.mailer);
    let pendingWhileSending: number | undefined;
    vi.spyOn(api.mailer, 'sendInvitation').mockImplementation(async (mail) => {
      seen.push(await checkedOut());
      pendingWhileSending = (await call.invitations.list({ status: 'pending' })).items.length;
      return send(mail);
    });
    const email = `${unique('invitee')}@example.com`;
    const invitation = await call.invitations.create({ email });
    expect(seen).toEqual([0]);
    expect(pendingWhileSending).toBe(0);
    await call.invitations.resend({ id: invitation.id });
    expect(seen).toEqual([0, 0]);
    expect((await call.invitations.list({ status: 'pending' })).items).toHaveLength(1);
  });

  it('a failed invitation email leaves no invitation behind', async () => {
    const call = await admin('mail-fails');
    vi.spyOn(api.mailer, 'sendInvitation').mockRejectedValue(new Error('relay said no'));
    await expect(call.invitations.create({ email: `${unique('nobody')}@example.com` })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'MAIL_DELIVERY_FAILED' }),
    });
    expect((await call.invitations.list({ status: 'pending' })).items).toEqual([]);
  });
});
