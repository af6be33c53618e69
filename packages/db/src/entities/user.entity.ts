import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';

/** A person who signs in. Not organization-owned: users belong to organizations through memberships. */
export const User = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    // Stored trimmed and lower-cased; the unique index is on lower(email) so no casing slips past it.
    email: p.string().length(320),
    name: p.string().length(200),
    passwordHash: p.string().lazy(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [
    {
      name: 'user_email_lower_unique',
      expression: 'create unique index "user_email_lower_unique" on "user" (lower("email"))',
    },
  ],
});

export type User = InferEntity<typeof User>;
