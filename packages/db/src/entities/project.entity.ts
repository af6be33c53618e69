import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { AwsConnection } from './aws-connection.entity.ts';
import { Organization } from './organization.entity.ts';

/** How a project's environments become CloudFormation stacks (the API's stack planner reads it). */
export const STACK_STRATEGIES = ['per-environment', 'split-stateful', 'per-service'] as const;
export type StackStrategy = (typeof STACK_STRATEGIES)[number];
export const DEFAULT_STACK_REGION = 'us-east-1';

/** The primary unit inside an organization: environments, services and resources from its strictops.yml. */
export const Project = defineEntity({
  name: 'Project',
  tableName: 'project',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    name: p.string().length(100),
    slug: p.string().length(48),
    // A foreign key, so that a connection cannot be deleted from under a project that uses it.
    awsConnectionId: () =>
      p.manyToOne(AwsConnection).mapToPk().fieldName('aws_connection_id').nullable().deleteRule('restrict'),
    // The last applied strictops.yml: normalized, raw text, its SHA-256 and a revision counter.
    config: p.json<Record<string, unknown>>().nullable(),
    configRaw: p.text().strictNullable(),
    configSha256: p.string().length(64).strictNullable(),
    configRevision: p.integer().default(0),
    // Names of protected environments since deleted or renamed: an environment created under one of
    // them again is protected, as the original was, so deployments aimed at the name stay guarded.
    retiredProtectedNames: p.array<string>().default([]),
    // Set by strictops.yml's `stacks:` section or through the API: the last change wins.
    stackStrategy: p.enum(STACK_STRATEGIES).default('per-environment'),
    stackRegion: p.string().length(32).default(DEFAULT_STACK_REGION),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['organization', 'slug'] }],
  // Backs the foreign key: deleting a connection looks up the projects that use it.
  indexes: [
    { name: 'project_aws_connection_id_index', properties: ['awsConnectionId'] },
    { properties: ['organization', 'id'] },
  ],
  ...organizationOwned,
});

export type Project = InferEntity<typeof Project>;
