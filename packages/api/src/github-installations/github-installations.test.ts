import { createHmac, randomUUID } from 'node:crypto';
import { AuditEvent, GithubInstallation, Organization } from '@strictops/db';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  githubHandlers,
  githubSignature,
  githubUser,
  installApp,
  joinOrganization,
  newGithubWorld,
  oauthCode,
  TEST_GITHUB,
} from '../testing/github-api.ts';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';
import { INSTALL_STATE_TTL_MS, signInstallState, verifyWebhookSignature } from './signatures.ts';
import { handleGithubWebhook } from './webhooks.ts';

const world = newGithubWorld();
const github = setupServer(...githubHandlers(world));

let api: TestApi;
beforeAll(async () => {
  github.listen({ onUnhandledFrame: 'error' });
  api = await createTestApi();
});
afterEach(() => github.resetHandlers());
afterAll(async () => {
  github.close();
  await api.close();
});

/** An admin's organization (PROFESSIONAL: room for a few installations) and its caller. */
async function adminOrganization(label: string, tier: 'FREE' | 'PROFESSIONAL' = 'PROFESSIONAL') {
  const admin = await api.signUp(label);
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier });
  return { admin, call: api.call({ token: admin.token, organization: admin.organization.id }) };
}

/**
 * The whole browser flow: begin, install on GitHub as `<login>-owner`, come back with the
 * installation id, the state and the OAuth code GitHub issued to that user.
 */
async function install(call: ReturnType<TestApi['call']>, login: string, repositories = 3) {
  const { installUrl, state } = await call.githubInstallations.beginInstall({});
  expect(installUrl).toBe(
    `https://github.com/apps/${TEST_GITHUB.slug}/installations/new?state=${encodeURIComponent(state)}`,
  );
  const installationId = installApp(world, login, repositories);
  const code = oauthCode(world, `${login}-owner`);
  const linked = await call.githubInstallations.completeInstall({ installationId, state, code });
  return { installationId, state, linked };
}

const deliver = (event: string, payload: unknown, deliveryId = randomUUID(), signature?: string) => {
  const body = JSON.stringify(payload);
  return handleGithubWebhook(
    { orm: api.orm, github: TEST_GITHUB },
    {
      rawBody: Buffer.from(body),
      signature: signature ?? githubSignature(body),
      deliveryId,
      event,
      origin: { ip: '140.82.112.1', userAgent: 'GitHub-Hookshot/test', requestId: unique('hook') },
    },
  );
};

const installationPayload = (installationId: number, action: string, extra: Record<string, unknown> = {}) => ({
  action,
  installation: world.installations.get(installationId) ?? {
    id: installationId,
    account: { login: 'gone', type: 'Organization' },
  },
  sender: { login: 'octocat' },
  ...extra,
});

describe('webhook signatures', () => {
  it('passes GitHub’s published test vector', () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(
      verifyWebhookSignature(
        "It's a Secret to Everybody",
        'Hello, World!',
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
    ).toBe(true);
  });

  it('checks the bytes that arrived, with no decoding between them and the HMAC', () => {
    const secret = "It's a Secret to Everybody";
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]); // not UTF-8: decoding would change them
    const header = `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;
    expect(verifyWebhookSignature(secret, bytes, header)).toBe(true);
    expect(verifyWebhookSignature(secret, Buffer.from(bytes.toString('utf8')), header)).toBe(false);
  });

  it.each([
    ['a changed body', 'Hello, World?', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'],
    ['a changed digest', 'Hello, World!', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18'],
    ['a short digest', 'Hello, World!', 'sha256=757107ea'],
    ['the SHA-1 header form', 'Hello, World!', 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59'],
    ['no header', 'Hello, World!', undefined],
  ])('refuses %s', (_, body, header) => {
    expect(verifyWebhookSignature("It's a Secret to Everybody", body, header)).toBe(false);
  });
});

describe('installing the GitHub App', () => {
  it('links an installation GitHub confirms, and lists its repositories a page at a time', async () => {
    const { admin, call } = await adminOrganization('gh-install');
    const login = unique('acme');
    const { installationId, linked } = await install(call, login, 5);
    expect(linked).toMatchObject({
      installationId,
      accountLogin: login,
      accountType: 'Organization',
      status: 'active',
    });
    // GitHub was asked, with the App's JWT (the stand-in refuses anything else).
    expect(world.calls).toContain(`GET /app/installations/${installationId}`);
    expect((await call.githubInstallations.list({})).items).toEqual([linked]);

    const first = await call.githubInstallations.repositories({ id: linked.id, limit: 2 });
    expect(first).toMatchObject({ totalCount: 5, nextCursor: '2' });
    expect(first.items.map((r) => r.fullName)).toEqual([`${login}/repo-0`, `${login}/repo-1`]);
    const second = await call.githubInstallations.repositories({ id: linked.id, limit: 2, cursor: '2' });
    const third = await call.githubInstallations.repositories({ id: linked.id, limit: 2, cursor: '3' });
    expect([...second.items, ...third.items].map((r) => r.name)).toEqual(['repo-2', 'repo-3', 'repo-4']);
    expect(third.nextCursor).toBeNull();
    expect(third.items[0]).toEqual({
      id: expect.any(Number),
      name: 'repo-4',
      fullName: `${login}/repo-4`,
      private: true,
      defaultBranch: 'main',
      url: `https://github.com/${login}/repo-4`,
    });

    const events = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { action: { $like: 'github_installation.%' } }, { orderBy: { seq: 'asc' } }),
    );
    expect(events.map((e) => e.action)).toEqual([
      'github_installation.install_started',
      'github_installation.connected',
    ]);
  });

  it('refuses a changed, expired, someone else’s or another organization’s state, and links nothing', async () => {
    const { admin, call } = await adminOrganization('gh-state');
    const login = unique('state');
    const installationId = installApp(world, login);
    const code = oauthCode(world, `${login}-owner`);
    const { state } = await call.githubInstallations.beginInstall({});
    const tampered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectError(
      call.githubInstallations.completeInstall({ installationId, state: tampered, code }),
      'INSTALL_STATE_INVALID',
    );
    // Base64url decoding would skip a stray character; the state must be exactly as issued.
    for (const mangled of [`${state}!`, `${state}.x`, state.replace('.', '..')]) {
      await expectError(
        call.githubInstallations.completeInstall({ installationId, state: mangled, code }),
        'INSTALL_STATE_INVALID',
      );
    }

    const expired = signInstallState(
      TEST_GITHUB.privateKey,
      { organizationId: admin.organization.id, userId: admin.user.id },
      Date.now() - INSTALL_STATE_TTL_MS - 1000,
    ).state;
    await expectError(
      call.githubInstallations.completeInstall({ installationId, state: expired, code }),
      'INSTALL_STATE_EXPIRED',
    );

    const otherAdmin = await api.memberOf(admin.organization.id, 'strictops_admin', 'gh-other-admin');
    const asOther = api.call({ token: otherAdmin.token, organization: admin.organization.id });
    await expectError(
      asOther.githubInstallations.completeInstall({ installationId, state, code }),
      'INSTALL_STATE_INVALID',
    );

    const elsewhere = await adminOrganization('gh-elsewhere');
    await expectError(
      elsewhere.call.githubInstallations.completeInstall({ installationId, state, code }),
      'INSTALL_STATE_INVALID',
    );
    // None of the refusals got as far as GitHub: the code is still unused.
    expect(world.codes.has(code)).toBe(true);
    expect((await call.githubInstallations.list({})).items).toEqual([]);
    expect((await elsewhere.call.githubInstallations.list({})).items).toEqual([]);
  });

  it('links only an installation the authorizing GitHub user controls: a guessed id links nothing', async () => {
    const victimLogin = unique('victim');
    const victimInstallation = installApp(world, victimLogin);
    // An admin of another organization installs the App on their own account, then swaps in the
    // victim's installation id (not linked anywhere yet) on the way back.
    const attacker = await adminOrganization('gh-attacker');
    const attackerLogin = unique('attacker');
    installApp(world, attackerLogin);
    const { state } = await attacker.call.githubInstallations.beginInstall({});
    const code = oauthCode(world, `${attackerLogin}-owner`);
    await expectError(
      attacker.call.githubInstallations.completeInstall({ installationId: victimInstallation, state, code }),
      'INSTALLATION_NOT_CONTROLLED',
    );
    expect((await attacker.call.githubInstallations.list({})).items).toEqual([]);
    // GitHub was asked about the user's role, and the user's token was revoked after.
    expect(world.calls).toContain(`GET /user/memberships/orgs/${victimLogin}`);
    expect(world.calls).toContain(`DELETE /applications/${TEST_GITHUB.clientId}/token`);
    expect(world.userTokens.size).toBe(0);

    // A code works once, as on GitHub: replaying the redirect links nothing either.
    await expectError(
      attacker.call.githubInstallations.completeInstall({ installationId: victimInstallation, state, code }),
      'GITHUB_AUTHORIZATION_INVALID',
    );
    await expectError(
      attacker.call.githubInstallations.completeInstall({ installationId: victimInstallation, state, code: 'made-up' }),
      'GITHUB_AUTHORIZATION_INVALID',
    );

    // The victim's own admin links it without trouble.
    const victim = await adminOrganization('gh-victim');
    const own = await victim.call.githubInstallations.beginInstall({});
    const linked = await victim.call.githubInstallations.completeInstall({
      installationId: victimInstallation,
      state: own.state,
      code: oauthCode(world, `${victimLogin}-owner`),
    });
    expect(linked.accountLogin).toBe(victimLogin);
  });

  it('refuses a member of the GitHub organization who is not an owner: seeing repositories is not owning them', async () => {
    const login = unique('big-co');
    const installationId = installApp(world, login);
    const collaborator = unique('collaborator');
    joinOrganization(world, login, collaborator, 'member');
    const { call } = await adminOrganization('gh-collaborator');
    const { state } = await call.githubInstallations.beginInstall({});
    await expectError(
      call.githubInstallations.completeInstall({ installationId, state, code: oauthCode(world, collaborator) }),
      'INSTALLATION_NOT_CONTROLLED',
    );
    expect((await call.githubInstallations.list({})).items).toEqual([]);

    // Made an owner, the same person may link it.
    joinOrganization(world, login, collaborator, 'admin');
    const again = await call.githubInstallations.beginInstall({});
    const linked = await call.githubInstallations.completeInstall({
      installationId,
      state: again.state,
      code: oauthCode(world, collaborator),
    });
    expect(linked.accountLogin).toBe(login);
  });

  it('links an installation on a user account for that user only', async () => {
    const login = unique('solo-dev');
    const installationId = installApp(world, login, 2, { type: 'User' });
    const { call } = await adminOrganization('gh-user-account');
    const { state } = await call.githubInstallations.beginInstall({});
    await expectError(
      call.githubInstallations.completeInstall({ installationId, state, code: oauthCode(world, unique('someone')) }),
      'INSTALLATION_NOT_CONTROLLED',
    );
    const linked = await call.githubInstallations.completeInstall({
      installationId,
      state,
      code: oauthCode(world, login),
    });
    expect(linked).toMatchObject({ accountLogin: login, accountType: 'User' });
    expect(githubUser(world, login).id).toBe(world.installations.get(installationId)?.account.id);
  });

  it('answers GitHub failing while checking the installer as GITHUB_UNAVAILABLE, and links nothing', async () => {
    const { call } = await adminOrganization('gh-down');
    const login = unique('down');
    const installationId = installApp(world, login);
    const { state } = await call.githubInstallations.beginInstall({});
    const attempt = () =>
      call.githubInstallations.completeInstall({ installationId, state, code: oauthCode(world, `${login}-owner`) });

    github.use(
      http.get('https://api.github.com/user/memberships/orgs/:org', () => HttpResponse.json({}, { status: 503 })),
    );
    await expectError(attempt(), 'GITHUB_UNAVAILABLE');
    // The App lacks the Members permission: GitHub says 403, and the error says what to grant.
    github.use(
      http.get('https://api.github.com/user/memberships/orgs/:org', () =>
        HttpResponse.json({ message: 'Resource not accessible by integration' }, { status: 403 }),
      ),
    );
    const forbidden = await expectError(attempt(), 'GITHUB_UNAVAILABLE');
    expect(forbidden.message).toContain('Members');
    github.resetHandlers();

    // Wrong client credentials (a rotated secret) are the server's problem, not a bad code of the
    // user's; and no error keeps the exchange's request, which carries the secret.
    github.use(
      http.post('https://github.com/login/oauth/access_token', () =>
        HttpResponse.json({
          error: 'incorrect_client_credentials',
          error_description: 'The client_id and/or client_secret passed are incorrect.',
        }),
      ),
    );
    const misconfigured = await expectError(attempt(), 'GITHUB_UNAVAILABLE');
    expect(misconfigured.message).toContain('incorrect_client_credentials');
    expect((misconfigured.cause as Error).cause).toBeUndefined();
    github.resetHandlers();
    expect((await call.githubInstallations.list({})).items).toEqual([]);
  });

  it('refuses an installation another organization linked, and relinks one of its own as an update', async () => {
    const first = await adminOrganization('gh-first');
    const login = unique('shared');
    const { installationId, linked } = await install(first.call, login);
    // A second StrictOps organization whose admin can access the same GitHub account.
    const second = await adminOrganization('gh-second');
    const { state } = await second.call.githubInstallations.beginInstall({});
    await expectError(
      second.call.githubInstallations.completeInstall({
        installationId,
        state,
        code: oauthCode(world, `${login}-owner`),
      }),
      'INSTALLATION_ALREADY_LINKED',
    );
    expect((await second.call.githubInstallations.list({})).items).toEqual([]);

    const again = await first.call.githubInstallations.beginInstall({});
    const relinked = await first.call.githubInstallations.completeInstall({
      installationId,
      state: again.state,
      code: oauthCode(world, `${login}-owner`),
    });
    expect(relinked.id).toBe(linked.id);
    expect((await first.call.githubInstallations.list({})).items).toHaveLength(1);
  });

  it('links once when the same install completes twice at the same moment', async () => {
    const { call } = await adminOrganization('gh-race');
    const login = unique('race');
    const installationId = installApp(world, login);
    const attempts = await Promise.allSettled(
      [0, 1].map(async () => {
        const { state } = await call.githubInstallations.beginInstall({});
        return call.githubInstallations.completeInstall({
          installationId,
          state,
          code: oauthCode(world, `${login}-owner`),
        });
      }),
    );
    // Both succeed (the second saw the first and updated it) or the loser gets a plain CONFLICT;
    // never the other-organization refusal, never a 500.
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') await expectError(Promise.reject(attempt.reason), 'CONFLICT');
    }
    expect(attempts.some((a) => a.status === 'fulfilled')).toBe(true);
    expect((await call.githubInstallations.list({})).items).toHaveLength(1);
  });

  it('holds FREE to one installation', async () => {
    const { call } = await adminOrganization('gh-free', 'FREE');
    await install(call, unique('free-one'));
    const { state } = await call.githubInstallations.beginInstall({});
    const login = unique('free-two');
    const installationId = installApp(world, login);
    await expectError(
      call.githubInstallations.completeInstall({ installationId, state, code: oauthCode(world, `${login}-owner`) }),
      'LIMIT_REACHED',
    );
    expect((await call.githubInstallations.list({})).items).toHaveLength(1);
  });

  it('disconnects by uninstalling on GitHub; if GitHub fails, nothing changes', async () => {
    const { admin, call } = await adminOrganization('gh-disconnect');
    const { installationId, linked } = await install(call, unique('leaving'));

    github.use(
      http.delete('https://api.github.com/app/installations/:id', () => HttpResponse.json({}, { status: 502 })),
    );
    await expectError(call.githubInstallations.disconnect({ id: linked.id }), 'GITHUB_UNAVAILABLE');
    expect((await call.githubInstallations.list({})).items).toHaveLength(1);
    github.resetHandlers();

    expect(await call.githubInstallations.disconnect({ id: linked.id })).toEqual({ ok: true });
    expect(world.calls).toContain(`DELETE /app/installations/${installationId}`);
    expect(world.installations.has(installationId)).toBe(false);
    expect((await call.githubInstallations.list({})).items).toEqual([]);
    const disconnected = await api.inOrganization(admin.organization.id, (em) =>
      em.count(AuditEvent, { action: 'github_installation.disconnected', targetId: linked.id }),
    );
    expect(disconnected).toBe(1);
  });
});

describe('GitHub webhooks', () => {
  it('refuses a bad signature before anything is recorded', async () => {
    const { call } = await adminOrganization('gh-forged');
    const { installationId } = await install(call, unique('forged'));
    const deliveryId = randomUUID();
    const forged = await deliver(
      'installation',
      installationPayload(installationId, 'suspend'),
      deliveryId,
      `sha256=${'0'.repeat(64)}`,
    ).catch((error: { code?: string }) => error.code);
    expect(forged).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect((await call.githubInstallations.list({})).items[0]?.status).toBe('active');
    // The id was not used up: GitHub's genuine delivery with it still counts.
    expect(await deliver('installation', installationPayload(installationId, 'suspend'), deliveryId)).toBe('processed');
  });

  it('follows suspend, unsuspend, new permissions, repository changes and uninstall, each once', async () => {
    const { admin, call } = await adminOrganization('gh-events');
    const { installationId, linked } = await install(call, unique('events'));
    const status = async () => (await call.githubInstallations.list({})).items[0];

    const suspendId = randomUUID();
    expect(await deliver('installation', installationPayload(installationId, 'suspend'), suspendId)).toBe('processed');
    expect(await status()).toMatchObject({ status: 'suspended', suspendedAt: expect.any(Date) });
    await expectError(call.githubInstallations.repositories({ id: linked.id }), 'INSTALLATION_SUSPENDED');

    expect(await deliver('installation', installationPayload(installationId, 'unsuspend'))).toBe('processed');
    expect(await status()).toMatchObject({ status: 'active', suspendedAt: null });
    // A redelivery of the suspension is recognized and changes nothing.
    expect(await deliver('installation', installationPayload(installationId, 'suspend'), suspendId)).toBe('duplicate');
    expect((await status())?.status).toBe('active');

    const info = world.installations.get(installationId);
    if (info) info.permissions = { contents: 'read', metadata: 'read', pull_requests: 'write' };
    expect(await deliver('installation', installationPayload(installationId, 'new_permissions_accepted'))).toBe(
      'processed',
    );
    const row = await api.inOrganization(admin.organization.id, (em) =>
      em.findOneOrFail(GithubInstallation, { installationId }),
    );
    expect(row.permissions).toEqual({ contents: 'read', metadata: 'read', pull_requests: 'write' });

    expect(
      await deliver(
        'installation_repositories',
        installationPayload(installationId, 'added', {
          repository_selection: 'all',
          repositories_added: [{ full_name: 'events/new-repo' }],
          repositories_removed: [],
        }),
      ),
    ).toBe('processed');
    expect((await status())?.repositorySelection).toBe('all');

    expect(await deliver('installation', installationPayload(installationId, 'deleted'))).toBe('processed');
    expect((await call.githubInstallations.list({})).items).toEqual([]);
    const actions = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { targetId: linked.id }, { orderBy: { seq: 'asc' } }),
    );
    expect(actions.map((e) => [e.action, e.actorType])).toEqual([
      ['github_installation.connected', 'user'],
      ['github_installation.suspend', 'system'],
      ['github_installation.unsuspend', 'system'],
      ['github_installation.new_permissions_accepted', 'system'],
      ['github_installation.repositories_added', 'system'],
      ['github_installation.uninstalled', 'system'],
    ]);
  });

  it('processes one of two concurrent copies of a delivery', async () => {
    const { call } = await adminOrganization('gh-concurrent');
    const { installationId } = await install(call, unique('concurrent'));
    const deliveryId = randomUUID();
    const outcomes = await Promise.all([
      deliver('installation', installationPayload(installationId, 'suspend'), deliveryId),
      deliver('installation', installationPayload(installationId, 'suspend'), deliveryId),
    ]);
    expect(outcomes.sort()).toEqual(['duplicate', 'processed']);
  });

  it('ignores installations nobody linked and events it does not handle', async () => {
    const unlinked = installApp(world, unique('unlinked'));
    expect(await deliver('installation', installationPayload(unlinked, 'created'))).toBe('ignored');
    expect(await deliver('push', { ref: 'refs/heads/main', installation: { id: unlinked } })).toBe('ignored');
    expect(await deliver('ping', { zen: 'Keep it logically awesome.' })).toBe('ignored');
  });
});
