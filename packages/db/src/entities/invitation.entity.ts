import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { ROLES } from './membership.entity.ts';
import { Organization } from './organization.entity.ts';
import { User } from './user.entity.ts';

/** `expired` is also derived on read: a pending invitation past `expiresAt` is expired. */
export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** The lifetime of an invitation link, restarted by a resend. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * An invitation to join one organization with a role, bound to one email. Only the SHA-256 of the
 * token is stored. Looking one up by its token, before the organization is known, goes through the
 * `invitation_by_token_hash` SQL function and nothing else.
 */
export const Invitation = defineEntity({
  name: 'Invitation',
  tableName: 'invitation',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    email: p.string().length(320),
    role: p.enum(ROLES),
    tokenHash: p.string().length(64).unique(),
    invitedBy: () => p.manyToOne(User).deleteRule('set null').strictNullable(),
    status: p.enum(INVITATION_STATUSES).default('pending'),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
    acceptedAt: p.datetime().strictNullable(),
    revokedAt: p.datetime().strictNullable(),
  },
  uniques: [
    {
      // At most one pending invitation per email in an organization; the service expires stale ones first.
      name: 'invitation_pending_email_unique',
      expression:
        'create unique index "invitation_pending_email_unique" on "invitation" ("organization_id", lower("email")) where "status" = \'pending\'',
    },
  ],
  indexes: [{ properties: ['organization', 'id'] }],
  ...organizationOwned,
});

export type Invitation = InferEntity<typeof Invitation>;
