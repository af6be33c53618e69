/**
 * The shared cross-tenant suite. Every procedure of the router is called as anonymous, and every
 * organization procedure as a member of another organization and as each role of the organization
 * it targets. Another tenant's member gets NOT_FOUND, a role the policy excludes gets FORBIDDEN,
 * anonymous gets UNAUTHORIZED, and none of those calls changes anything. A new procedure fails the
 * first test until it is given a sample input below.
 */

import { Membership } from '@strictops/db';
import type { AnyProcedure } from '@trpc/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { can } from './policy.ts';
import { appRouter } from './root.ts';
import { createTestApi, expectError, snapshotOrganization, type TestApi, unique } from './testing/harness.ts';
import type { ProcedureMeta } from './trpc/meta.ts';

type Fixture = {
  organizationId: string;
  organizationSlug: string;
  /** The customer's membership, and a pending invitation, both of the target organization. */
  customerMembershipId: string;
  invitationId: string;
};

const NO_SUCH_TOKEN = 'n'.repeat(43);

/** A valid input for every procedure, as its legitimate caller would send it. */
const SAMPLE_INPUTS: Record<string, (fixture: Fixture) => unknown> = {
  'auth.signUp': () => ({ email: `${unique('sample')}@example.com`, password: 'correct horse battery', name: 'S' }),
  'auth.signIn': () => ({ email: 'nobody@example.com', password: 'whatever123' }),
  'auth.signOut': () => ({}),
  'auth.signOutEverywhere': () => ({}),
  'auth.me': () => ({}),
  'auth.sessions': () => ({}),
  'auth.revokeSession': () => ({ id: '0'.repeat(64) }),
  'organizations.list': () => ({}),
  'organizations.create': () => ({ name: 'Sample' }),
  'organizations.get': () => ({}),
  'organizations.update': () => ({ name: 'Renamed by the suite' }),
  'organizations.switch': (f) => ({ organization: f.organizationId }),
  'organizations.delete': (f) => ({ confirmSlug: f.organizationSlug }),
  'members.list': () => ({}),
  'members.updateRole': (f) => ({ id: f.customerMembershipId, role: 'strictops_admin' }),
  'members.remove': (f) => ({ id: f.customerMembershipId }),
  'members.leave': () => ({}),
  'invitations.create': () => ({ email: `${unique('invitee')}@example.com`, role: 'customer' }),
  'invitations.list': () => ({}),
  'invitations.revoke': (f) => ({ id: f.invitationId }),
  'invitations.resend': (f) => ({ id: f.invitationId }),
  'invitations.lookup': () => ({ token: NO_SUCH_TOKEN }),
  'invitations.accept': () => ({ token: NO_SUCH_TOKEN }),
};

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
  ([path, procedure]) => {
    const meta = (procedure._def.meta ?? {}) as ProcedureMeta;
    return { path, type: procedure._def.type, meta, isPublic: meta.openapi?.protect === false };
  },
);
const organizationProcedures = procedures.filter((p) => p.meta.permission);

async function invoke(api: TestApi, path: string, auth: Parameters<TestApi['call']>[0], input: unknown) {
  const [area, name] = path.split('.') as [string, string];
  const caller = api.call(auth) as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  const procedure = caller[area]?.[name];
  if (!procedure) throw new Error(`no procedure ${path}`);
  return procedure(input);
}

let api: TestApi;
let fixture: Fixture;
let customer: Awaited<ReturnType<TestApi['signUp']>>;
let customerToken: string;
let outsiderToken: string;

async function customerMembershipId() {
  const membership = await api.inOrganization(fixture.organizationId, (em) =>
    em.findOne(Membership, { user: customer.user.id }),
  );
  return membership?.id;
}

beforeAll(async () => {
  api = await createTestApi();
  const admin = await api.signUp('tenant-a-admin');
  customer = await api.memberOf(admin.organization.id, 'customer');
  customerToken = customer.token;
  const invitation = await api
    .call({ token: admin.token })
    .invitations.create({ email: `${unique('pending')}@example.com`, role: 'customer' });
  fixture = {
    organizationId: admin.organization.id,
    organizationSlug: admin.organization.slug,
    customerMembershipId: '',
    invitationId: invitation.id,
  };
  fixture.customerMembershipId = (await customerMembershipId()) as string;
  outsiderToken = (await api.signUp('tenant-b-admin')).token;
});

// A customer may call members.leave, which ends their membership: put them back for the next cell.
afterEach(async () => {
  if (!(await customerMembershipId())) {
    await api.addMember(fixture.organizationId, customer.user.id, 'customer');
    fixture.customerMembershipId = (await customerMembershipId()) as string;
  }
});

afterAll(() => api.close());

describe('cross-tenant suite', () => {
  it('has a sample input for every procedure', () => {
    const missing = procedures.map((p) => p.path).filter((path) => !SAMPLE_INPUTS[path]);
    expect(missing).toEqual([]);
  });

  it('gives every organization procedure a permission from the policy', () => {
    expect(organizationProcedures.length).toBeGreaterThan(0);
    for (const p of organizationProcedures) expect(can('strictops_admin', p.meta.permission as never)).toBe(true);
  });

  describe.each(procedures.filter((p) => !p.isPublic))('$path', ({ path }) => {
    it('anonymous gets UNAUTHORIZED and changes nothing', async () => {
      const before = await snapshotOrganization(api.orm, fixture.organizationId);
      await expectError(invoke(api, path, {}, SAMPLE_INPUTS[path]?.(fixture)), 'UNAUTHENTICATED');
      expect(await snapshotOrganization(api.orm, fixture.organizationId)).toEqual(before);
    });
  });

  describe.each(organizationProcedures)('$path', ({ path, meta }) => {
    it.each(['id', 'slug'] as const)(
      'a member of another organization naming it by %s gets NOT_FOUND and changes nothing',
      async (key) => {
        const before = await snapshotOrganization(api.orm, fixture.organizationId);
        const organization = key === 'id' ? fixture.organizationId : fixture.organizationSlug;
        await expectError(
          invoke(api, path, { token: outsiderToken, organization }, SAMPLE_INPUTS[path]?.(fixture)),
          'ORGANIZATION_NOT_FOUND',
        );
        expect(await snapshotOrganization(api.orm, fixture.organizationId)).toEqual(before);
      },
    );

    const customerMay = can('customer', meta.permission as never);
    it(`a customer ${customerMay ? 'may call it' : 'gets FORBIDDEN and changes nothing'}`, async () => {
      const before = await snapshotOrganization(api.orm, fixture.organizationId);
      const call = invoke(
        api,
        path,
        { token: customerToken, organization: fixture.organizationId },
        SAMPLE_INPUTS[path]?.(fixture),
      );
      if (customerMay) {
        await expect(call).resolves.toBeDefined();
      } else {
        await expectError(call, 'PERMISSION_DENIED');
        expect(await snapshotOrganization(api.orm, fixture.organizationId)).toEqual(before);
      }
    });
  });
});
