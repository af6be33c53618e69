import type { Role, TokenScope } from '@strictops/db';

/**
 * The permission matrix (SPEC §4) as data: which membership roles may perform each action.
 * Procedures name a permission; nothing else decides who may do what.
 */
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
  'apiTokens.create': ['strictops_admin', 'customer'],
  'apiTokens.manageAll': ['strictops_admin'],
  'audit.read': ['strictops_admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof POLICY;

export function can(role: Role, permission: Permission): boolean {
  return (POLICY[permission] as readonly Role[]).includes(role);
}

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
  'apiTokens.create': 'admin',
  'apiTokens.manageAll': 'admin',
  'audit.read': 'admin',
} as const satisfies Record<Permission, TokenScope>;

/** The scopes a role may put on a token it creates: never more than the role itself may do. */
export const GRANTABLE_SCOPES = {
  strictops_admin: ['read', 'write', 'deploy', 'admin'],
  customer: ['read', 'write', 'deploy'],
} as const satisfies Record<Role, readonly TokenScope[]>;

export function tokenAllows(scopes: readonly TokenScope[], permission: Permission): boolean {
  return scopes.includes(PERMISSION_SCOPE[permission]);
}
