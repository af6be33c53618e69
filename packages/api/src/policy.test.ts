import { describe, expect, it } from 'vitest';
import { can, type Permission, POLICY } from './policy.ts';

// SPEC §4, written out again by hand: the policy module must agree with it cell by cell.
const SPEC: Record<Permission, { strictops_admin: boolean; customer: boolean }> = {
  'organization.read': { strictops_admin: true, customer: true },
  'organization.update': { strictops_admin: true, customer: false },
  'organization.delete': { strictops_admin: true, customer: false },
  'members.read': { strictops_admin: true, customer: true },
  'members.manage': { strictops_admin: true, customer: false },
  // Leaving is open to both roles; the last admin is refused by the database, not by the policy.
  'members.leave': { strictops_admin: true, customer: true },
  'projects.read': { strictops_admin: true, customer: true },
  'projects.write': { strictops_admin: true, customer: true },
  'projects.delete': { strictops_admin: true, customer: false },
  'deployments.create': { strictops_admin: true, customer: true },
  'integrations.manage': { strictops_admin: true, customer: false },
  'alertChannels.manage': { strictops_admin: true, customer: false },
  'apiTokens.create': { strictops_admin: true, customer: true },
  'apiTokens.manageAll': { strictops_admin: true, customer: false },
  'audit.read': { strictops_admin: true, customer: false },
};

describe('policy', () => {
  it('covers exactly the permissions of the spec', () => {
    expect(Object.keys(POLICY).sort()).toEqual(Object.keys(SPEC).sort());
  });

  for (const [permission, roles] of Object.entries(SPEC)) {
    for (const [role, allowed] of Object.entries(roles)) {
      it(`${role} ${allowed ? 'may' : 'may not'} ${permission}`, () => {
        expect(can(role as 'strictops_admin' | 'customer', permission as Permission)).toBe(allowed);
      });
    }
  }
});
