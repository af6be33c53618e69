import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';

export const AWS_CONNECTION_STATUSES = ['pending', 'verified', 'failed'] as const;
export type AwsConnectionStatus = (typeof AWS_CONNECTION_STATUSES)[number];

/**
 * A cross-account IAM role in a customer's AWS account that StrictOps assumes to deploy there.
 * The external ID is generated here, never chosen by the customer (the confused-deputy defence);
 * one role ARN belongs to one organization only.
 */
export const AwsConnection = defineEntity({
  name: 'AwsConnection',
  tableName: 'aws_connection',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    name: p.string().length(100),
    externalId: p.string().length(64).unique(),
    roleArn: p.string().length(2048).strictNullable(),
    accountId: p.string().length(12).strictNullable(),
    status: p.enum(AWS_CONNECTION_STATUSES).default('pending'),
    failureReason: p.string().length(1000).strictNullable(),
    verifiedAt: p.datetime().strictNullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [
    {
      // One role, one organization, once verified. IAM role names are unique per account whatever
      // their path and case, so `role/Deploy`, `role/deploy` and `role/team/Deploy` are one role.
      // Failed attempts claim nothing: naming someone else's role cannot lock its owner out.
      name: 'aws_connection_verified_role_unique',
      expression:
        'create unique index "aws_connection_verified_role_unique" on "aws_connection" ("account_id", lower(substring("role_arn" from \'[^/]+$\'))) where "status" = \'verified\'',
    },
  ],
  ...organizationOwned,
});

export type AwsConnection = InferEntity<typeof AwsConnection>;
