import type { Role, Tier, TokenScope } from '@strictops/db';
import { ENTITLEMENTS } from './entitlements/entitlements.ts';

/**
 * Who may do what (SPEC §4), as data, and the one function that decides it. Procedures name a
 * permission (checked before their handler runs); services state the facts the role alone does
 * not settle (a protected environment, the scopes a new token would carry) and ask again. Nothing
 * else refuses: every refusal comes from `decide` and is recorded as an audit event.
 */

/** Which membership roles may perform each action. */
export const POLICY = {
  'organization.read': ['strictops_admin', 'customer'],
  'organization.update': ['strictops_admin'],
  'organization.delete': ['strictops_admin'],
  'members.read': ['strictops_admin', 'customer'],
  'members.manage': ['strictops_admin'],
  'members.leave': ['strictops_admin', 'customer'],
  'projects.read': ['strictops_admin', 'customer'],
  'projects.write': ['strictops_admin', 'customer'],
  'projects.delete': ['strictops_admin'],
  'deployments.create': ['strictops_admin', 'customer'],
  'integrations.manage': ['strictops_admin'],
  'alertChannels.manage': ['strictops_admin'],
  'alerts.read': ['strictops_admin', 'customer'],
  'alerts.acknowledge': ['strictops_admin', 'customer'],
  'apiTokens.manage': ['strictops_admin', 'customer'],
  'audit.read': ['strictops_admin'],
  'audit.export': ['strictops_admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof POLICY;

/**
 * The scope an API token needs for each permission. A token acts for its creator, so it may do
 * what both its scopes and its creator's current role allow.
 */
export const PERMISSION_SCOPE = {
  'organization.read': 'read',
  'organization.update': 'admin',
  'organization.delete': 'admin',
  'members.read': 'read',
  'members.manage': 'admin',
  // A narrowly scoped token must not be able to end its creator's membership.
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
} as const satisfies Record<Permission, TokenScope>;

/** Permissions that are also features of some tiers only (SPEC §5): the tier's entitlement decides. */
export const TIER_FEATURES = {
  'audit.export': 'auditExport',
} as const satisfies Partial<Record<Permission, keyof (typeof ENTITLEMENTS)['FREE']>>;

/** The scopes a role may put on a token it creates: never more than the role itself may do. */
export const GRANTABLE_SCOPES = {
  strictops_admin: ['read', 'write', 'deploy', 'admin'],
  customer: ['read', 'write', 'deploy'],
} as const satisfies Record<Role, readonly TokenScope[]>;

/** Facts about what a call acts on, which a service knows once it has loaded it. */
export type Facts = {
  /** The environment deployed to, renamed or deleted is protected. */
  protectedEnvironment?: boolean;
  /** The change turns an environment's protection on or off. */
  protectionChange?: boolean;
  /** The change (a stack strategy or region) changes the CloudFormation stacks of a protected environment. */
  protectedStacksChange?: boolean;
  /** The API token listed or revoked belongs to someone else. */
  othersToken?: boolean;
  /** The scopes a new API token would carry. */
  grantedScopes?: readonly TokenScope[];
};

type AttributeRule = {
  permission: Permission;
  /** The fact that brings the rule into play. */
  when: 'protectedEnvironment' | 'protectionChange' | 'protectedStacksChange' | 'othersToken';
  /** Who may, when it applies. */
  roles: readonly Role[];
  /** The scope a token needs for it, where more than the permission's own. */
  scope?: TokenScope;
  /** What the caller who may not is told. */
  refusal: string;
  /** The input field that brought the rule into play, when one did. */
  field?: string;
};

/**
 * Where a role alone does not decide (SPEC §4, and GitHub's and Vercel's environment protection:
 * a protected environment's rules can be changed only by those who may deploy to it).
 */
export const ATTRIBUTE_RULES = [
  {
    permission: 'deployments.create',
    when: 'protectedEnvironment',
    roles: ['strictops_admin'],
    refusal: 'The environment is protected: deploying to it needs strictops_admin',
    field: 'environment',
  },
  {
    permission: 'projects.write',
    when: 'protectionChange',
    roles: ['strictops_admin'],
    scope: 'admin',
    refusal: 'Protecting or unprotecting an environment needs strictops_admin',
    field: 'protected',
  },
  {
    permission: 'projects.write',
    when: 'protectedEnvironment',
    roles: ['strictops_admin'],
    scope: 'admin',
    refusal: 'The environment is protected: renaming or deleting it needs strictops_admin',
  },
  {
    permission: 'projects.write',
    when: 'protectedStacksChange',
    roles: ['strictops_admin'],
    scope: 'admin',
    refusal:
      'The change moves a protected environment’s CloudFormation stacks: changing its stack strategy or region needs strictops_admin',
  },
  {
    permission: 'apiTokens.manage',
    when: 'othersToken',
    roles: ['strictops_admin'],
    scope: 'admin',
    refusal: 'Other members’ API tokens are for strictops_admin only',
  },
] as const satisfies readonly AttributeRule[];

/** Who is acting: their role in the organization, a token's scopes (null for a session), the tier. */
export type Subject = { role: Role; tokenScopes: readonly TokenScope[] | null; tier: Tier };

export type Refusal = {
  message: string;
  /** The rule that refused, for the audit log: a permission, or a permission and a fact. */
  rule: string;
  field?: string;
} & ({ code: 'PERMISSION_DENIED' } | { code: 'FEATURE_NOT_IN_TIER'; details: { feature: string; tier: Tier } });

/** Refuses (recorded in the audit log) unless the caller may do this, given the facts. */
export type Authorize = (permission: Permission, facts?: Facts) => void;
/** Whether the caller may do this, given the facts: for what a caller sees, where nothing is refused. */
export type Allows = (permission: Permission, facts?: Facts) => boolean;

/** Whether the subject may do it, given the facts: null when allowed, else why not. */
export function decide(subject: Subject, permission: Permission, facts: Facts = {}): Refusal | null {
  if (!can(subject.role, permission)) {
    return {
      code: 'PERMISSION_DENIED',
      message: `Your role (${subject.role}) may not do this: needs ${permission}`,
      rule: permission,
    };
  }
  if (subject.tokenScopes && !tokenAllows(subject.tokenScopes, permission)) {
    return {
      code: 'PERMISSION_DENIED',
      message: `This token lacks the "${PERMISSION_SCOPE[permission]}" scope`,
      rule: permission,
    };
  }
  const feature = TIER_FEATURES[permission as keyof typeof TIER_FEATURES];
  if (feature && !ENTITLEMENTS[subject.tier][feature]) {
    return {
      code: 'FEATURE_NOT_IN_TIER',
      message: `${permission} is not part of the ${subject.tier} tier`,
      rule: `${permission}: ${feature}`,
      details: { feature, tier: subject.tier },
    };
  }
  for (const rule of ATTRIBUTE_RULES as readonly AttributeRule[]) {
    if (rule.permission !== permission || facts[rule.when] !== true) continue;
    const scopeMissing = subject.tokenScopes && rule.scope && !subject.tokenScopes.includes(rule.scope);
    if (!rule.roles.includes(subject.role) || scopeMissing) {
      return {
        code: 'PERMISSION_DENIED',
        message: rule.refusal,
        rule: `${permission}: ${rule.when}`,
        field: rule.field,
      };
    }
  }
  if (facts.grantedScopes) {
    const grantable = grantableScopes(subject);
    const excess = facts.grantedScopes.filter((scope) => !grantable.includes(scope));
    if (excess.length) {
      return {
        code: 'PERMISSION_DENIED',
        message: `You cannot grant: ${excess.join(', ')}`,
        rule: `${permission}: grantedScopes`,
        field: 'scopes',
      };
    }
  }
  return null;
}

/** The scopes a subject may put on a new token: its role's, and no more than its own token carries. */
export function grantableScopes(subject: Subject): readonly TokenScope[] {
  const byRole: readonly TokenScope[] = GRANTABLE_SCOPES[subject.role];
  return subject.tokenScopes ? byRole.filter((scope) => subject.tokenScopes?.includes(scope)) : byRole;
}

/** Whether a role may perform an action, before any fact is known. */
export function can(role: Role, permission: Permission): boolean {
  return (POLICY[permission] as readonly Role[]).includes(role);
}

export function tokenAllows(scopes: readonly TokenScope[], permission: Permission): boolean {
  return scopes.includes(PERMISSION_SCOPE[permission]);
}

/**
 * What each internal service may call (SPEC §4): procedure paths, a trailing `*` for every
 * procedure under a prefix. The server refuses to start with a credential for any other name.
 */
export const SERVICE_POLICY = {
  'deploy-worker': ['internal.deployments.*'],
  billing: ['internal.organizations.*'],
  monitoring: ['internal.alerts.*'],
} as const satisfies Record<string, readonly string[]>;

export type ServiceName = keyof typeof SERVICE_POLICY;
export const SERVICE_NAMES = Object.keys(SERVICE_POLICY) as ServiceName[];

export const isServiceName = (name: string): name is ServiceName => Object.hasOwn(SERVICE_POLICY, name);

/** Whether an internal service may call the procedure at `path`. */
export function serviceMay(service: string, path: string): boolean {
  if (!isServiceName(service)) return false;
  return SERVICE_POLICY[service].some((pattern: string) =>
    pattern.endsWith('.*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern,
  );
}
