import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { CURRENT_USER, organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';
import { User } from './user.entity.ts';

export const ROLES = ['strictops_admin', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/** A user's place in one organization, with the role that decides what they may do there. */
export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    role: p.enum(ROLES),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['organization', 'user'] }],
  indexes: [{ properties: ['user'] }, { properties: ['organization', 'id'] }],
  ...organizationOwned,
  policies: [
    ...organizationOwned.policies,
    // A signed-in user may read their own memberships in every organization (the organization
    // switcher, /auth/me). Read-only: writes still need the organization's own scope.
    { name: 'own_memberships', command: 'select', using: `user_id = ${CURRENT_USER}` },
  ],
});

export type Membership = InferEntity<typeof Membership>;
