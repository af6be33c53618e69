import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';
import { Project } from './project.entity.ts';

/** Where a project deploys to (dev, staging, production, …); deploying to a protected one needs an admin. */
export const Environment = defineEntity({
  name: 'Environment',
  tableName: 'environment',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).deleteRule('cascade'),
    name: p.string().length(32),
    protected: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['project', 'name'] }],
  ...organizationOwned,
});

export type Environment = InferEntity<typeof Environment>;
