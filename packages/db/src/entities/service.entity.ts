import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';
import { Project } from './project.entity.ts';

export const SERVICE_TYPES = ['container', 'function', 'static'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** A deployable unit of a project, as its strictops.yml defines it. */
export const Service = defineEntity({
  name: 'Service',
  tableName: 'service',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).deleteRule('cascade'),
    name: p.string().length(63),
    type: p.enum(SERVICE_TYPES),
    settings: p.json<Record<string, unknown>>(),
  },
  uniques: [{ properties: ['project', 'name'] }],
  ...organizationOwned,
});

export type Service = InferEntity<typeof Service>;
