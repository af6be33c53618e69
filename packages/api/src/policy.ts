import type { Role } from '@strictops/db';

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
