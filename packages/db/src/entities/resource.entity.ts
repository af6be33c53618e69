import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';
import { Project } from './project.entity.ts';

export const RESOURCE_KINDS = ['database', 'storage', 'queue', 'cache'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Managed infrastructure a project's services use (a database, a bucket, …), from its strictops.yml. */
export const Resource = defineEntity({
  name: 'Resource',
  tableName: 'resource',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).deleteRule('cascade'),
    name: p.string().length(63),
    kind: p.enum(RESOURCE_KINDS),
    engine: p.string().length(32).strictNullable(),
    settings: p.json<Record<string, unknown>>(),
  },
  uniques: [{ properties: ['project', 'name'] }],
  ...organizationOwned,
});

export type Resource = InferEntity<typeof Resource>;
