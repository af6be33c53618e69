import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';

export const GITHUB_INSTALLATION_STATUSES = ['active', 'suspended'] as const;
export type GithubInstallationStatus = (typeof GITHUB_INSTALLATION_STATUSES)[number];

/**
 * The StrictOps GitHub App installed on a customer's GitHub account, linked to one organization.
 * GitHub's installation id is unique across all organizations: whoever linked it first owns it.
 */
export const GithubInstallation = defineEntity({
  name: 'GithubInstallation',
  tableName: 'github_installation',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    installationId: p.bigint('number').unique(),
    accountLogin: p.string().length(100),
    accountType: p.string().length(20),
    /** `all` repositories of the account, or the `selected` ones. */
    repositorySelection: p.string().length(20),
    permissions: p.json<Record<string, string>>(),
    status: p.enum(GITHUB_INSTALLATION_STATUSES).default('active'),
    suspendedAt: p.datetime().strictNullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  ...organizationOwned,
});

export type GithubInstallation = InferEntity<typeof GithubInstallation>;
