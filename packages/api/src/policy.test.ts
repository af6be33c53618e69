import type { Role, Tier, TokenScope } from '@strictops/db';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_RULES,
  can,
  decide,
  type Facts,
  type Permission,
  POLICY,
  SERVICE_NAMES,
  type Subject,
  serviceMay,
} from './policy.ts';

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
  'alerts.read': { strictops_admin: true, customer: true },
  'alerts.acknowledge': { strictops_admin: true, customer: true },
  'apiTokens.manage': { strictops_admin: true, customer: true },
  'audit.read': { strictops_admin: true, customer: false },
  'audit.export': { strictops_admin: true, customer: false },
};

// The scope a token needs for each permission, by hand.
const SCOPE: Record<Permission, TokenScope> = {
  'organization.read': 'read',
  'organization.update': 'admin',
  'organization.delete': 'admin',
  'members.read': 'read',
  'members.manage': 'admin',
  'members.leave': 'admin',
  'projects.read': 'read',
  'projects.write': 'write',
  'projects.delete': 'admin',
  'deployments.create': 'deploy',
  'integrations.manage': 'admin',
  'alertChannels.manage': 'admin',
  'alerts.read': 'read',
  'alerts.acknowledge': 'write',
  'apiTokens.manage': 'admin',
  'audit.read': 'admin',
  'audit.export': 'admin',
};

const ROLES: Role[] = ['strictops_admin', 'customer'];
const SCOPES: TokenScope[] = ['read', 'write', 'deploy', 'admin'];
const session = (role: Role, tier: Tier = 'ENTERPRISE'): Subject => ({ role, tokenScopes: null, tier });
const token = (role: Role, scopes: TokenScope[], tier: Tier = 'ENTERPRISE'): Subject => ({
  role,
  tokenScopes: scopes,
  tier,
});
const allowed = (subject: Subject, permission: Permission, facts?: Facts) =>
  decide(subject, permission, facts) === null;

describe('the role matrix', () => {
  it('covers exactly the permissions of the spec', () => {
    expect(Object.keys(POLICY).sort()).toEqual(Object.keys(SPEC).sort());
  });

  for (const [permission, roles] of Object.entries(SPEC) as [Permission, Record<Role, boolean>][]) {
    for (const [role, expected] of Object.entries(roles) as [Role, boolean][]) {
      it(`${role} ${expected ? 'may' : 'may not'} ${permission}`, () => {
        expect(can(role, permission)).toBe(expected);
        expect(allowed(session(role), permission)).toBe(expected);
      });
    }
  }
});

describe('API token scopes', () => {
  for (const [permission, scope] of Object.entries(SCOPE) as [Permission, TokenScope][]) {
    it(`${permission} needs a token with "${scope}", on top of the creator's role`, () => {
      expect(allowed(token('strictops_admin', [scope]), permission)).toBe(true);
      expect(
        allowed(
          token(
            'strictops_admin',
            SCOPES.filter((s) => s !== scope),
          ),
          permission,
        ),
      ).toBe(false);
      expect(allowed(token('customer', SCOPES), permission)).toBe(SPEC[permission].customer);
    });
  }
});

describe('tier features', () => {
  const exportByTier: Record<Tier, boolean> = { FREE: false, STARTER: false, PROFESSIONAL: true, ENTERPRISE: true };
  for (const [tier, expected] of Object.entries(exportByTier) as [Tier, boolean][]) {
    it(`audit export is ${expected ? '' : 'not '}part of ${tier}, and only for strictops_admin`, () => {
      const admin = decide(session('strictops_admin', tier), 'audit.export');
      expect(admin === null).toBe(expected);
      if (!expected)
        expect(admin).toMatchObject({ code: 'FEATURE_NOT_IN_TIER', details: { feature: 'auditExport', tier } });
      expect(decide(session('customer', tier), 'audit.export')).toMatchObject({ code: 'PERMISSION_DENIED' });
      // Reading the log is no tier feature.
      expect(allowed(session('strictops_admin', tier), 'audit.read')).toBe(true);
    });
  }
});

// The attribute rules, by hand: for each, who may when the fact holds (the role's answer applies otherwise).
type Cell = { session: Record<Role, boolean>; adminToken: Partial<Record<TokenScope, boolean>> };
const ATTRIBUTES: { name: string; permission: Permission; facts: Facts; cell: Cell }[] = [
  {
    name: 'deploy to a protected environment',
    permission: 'deployments.create',
    facts: { protectedEnvironment: true },
    cell: { session: { strictops_admin: true, customer: false }, adminToken: { deploy: true } },
  },
  {
    name: 'protect or unprotect an environment',
    permission: 'projects.write',
    facts: { protectionChange: true },
    cell: { session: { strictops_admin: true, customer: false }, adminToken: { write: false, admin: true } },
  },
  {
    name: 'rename or delete a protected environment',
    permission: 'projects.write',
    facts: { protectedEnvironment: true },
    cell: { session: { strictops_admin: true, customer: false }, adminToken: { write: false, admin: true } },
  },
  {
    name: 'change the stack strategy or region where a protected environment’s stacks change',
    permission: 'projects.write',
    facts: { protectedStacksChange: true },
    cell: { session: { strictops_admin: true, customer: false }, adminToken: { write: false, admin: true } },
  },
  {
    name: 'see or revoke another member’s API token',
    permission: 'apiTokens.manage',
    facts: { othersToken: true },
    cell: { session: { strictops_admin: true, customer: false }, adminToken: { admin: true } },
  },
];

describe('attribute rules', () => {
  it('are all covered below', () => {
    const covered = ATTRIBUTES.map((a) => `${a.permission}: ${Object.keys(a.facts)[0]}`).sort();
    expect(ATTRIBUTE_RULES.map((rule) => `${rule.permission}: ${rule.when}`).sort()).toEqual(covered);
  });

  for (const { name, permission, facts, cell } of ATTRIBUTES) {
    for (const role of ROLES) {
      it(`${role} ${cell.session[role] ? 'may' : 'may not'} ${name}`, () => {
        const refusal = decide(session(role), permission, facts);
        expect(refusal === null).toBe(cell.session[role]);
        if (refusal)
          expect(refusal).toMatchObject({ code: 'PERMISSION_DENIED', rule: `${permission}: ${Object.keys(facts)[0]}` });
        // Without the fact, the role alone decides.
        const without = Object.fromEntries(Object.keys(facts).map((key) => [key, false]));
        expect(allowed(session(role), permission, without)).toBe(SPEC[permission][role]);
      });
    }
    for (const [scope, expected] of Object.entries(cell.adminToken) as [TokenScope, boolean][]) {
      it(`an admin's token with "${scope}"${scope === SCOPE[permission] ? '' : ` and "${SCOPE[permission]}"`} ${expected ? 'may' : 'may not'} ${name}`, () => {
        expect(allowed(token('strictops_admin', [...new Set([scope, SCOPE[permission]])]), permission, facts)).toBe(
          expected,
        );
      });
    }
  }
});

describe('granting token scopes', () => {
  const GRANTABLE: Record<Role, Record<TokenScope, boolean>> = {
    strictops_admin: { read: true, write: true, deploy: true, admin: true },
    customer: { read: true, write: true, deploy: true, admin: false },
  };
  for (const role of ROLES) {
    for (const scope of SCOPES) {
      it(`${role} ${GRANTABLE[role][scope] ? 'may' : 'may not'} grant "${scope}"`, () => {
        const refusal = decide(session(role), 'apiTokens.manage', { grantedScopes: ['read', scope] });
        expect(refusal === null).toBe(GRANTABLE[role][scope]);
        if (refusal) expect(refusal).toMatchObject({ code: 'PERMISSION_DENIED', field: 'scopes' });
      });
    }
  }

  it('a token grants no more than it carries itself', () => {
    expect(allowed(token('strictops_admin', ['admin', 'read']), 'apiTokens.manage', { grantedScopes: ['read'] })).toBe(
      true,
    );
    expect(
      allowed(token('strictops_admin', ['admin', 'read']), 'apiTokens.manage', { grantedScopes: ['deploy'] }),
    ).toBe(false);
  });
});

describe('internal services', () => {
  const PATHS = [
    'internal.deployments.claim',
    'internal.deployments.report',
    'internal.organizations.setTier',
    'internal.alerts.raise',
    'internal.alerts.resolve',
  ];
  const MAY: Record<string, string[]> = {
    'deploy-worker': ['internal.deployments.claim', 'internal.deployments.report'],
    billing: ['internal.organizations.setTier'],
    monitoring: ['internal.alerts.raise', 'internal.alerts.resolve'],
  };

  it('are exactly the services of the spec', () => {
    expect([...SERVICE_NAMES].sort()).toEqual(Object.keys(MAY).sort());
  });

  for (const service of Object.keys(MAY)) {
    for (const path of PATHS) {
      const expected = MAY[service]?.includes(path) ?? false;
      it(`${service} ${expected ? 'may' : 'may not'} call ${path}`, () => {
        expect(serviceMay(service, path)).toBe(expected);
      });
    }
  }

  it('no other name may call anything, and a prefix is no wildcard', () => {
    for (const path of PATHS) expect(serviceMay('test-worker', path)).toBe(false);
    expect(serviceMay('toString', 'internal.deployments.claim')).toBe(false);
    expect(serviceMay('deploy-worker', 'internal.deploymentsX.claim')).toBe(false);
    expect(serviceMay('deploy-worker', 'internal.deployments')).toBe(false);
  });
});
