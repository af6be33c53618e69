import { AWS_CONNECTION_STATUSES } from '@strictops/db';
import { z } from 'zod';

export const AwsConnectionDto = z.object({
  id: z.uuid(),
  name: z.string(),
  externalId: z.string(),
  roleArn: z.string().nullable(),
  accountId: z.string().nullable(),
  status: z.enum(AWS_CONNECTION_STATUSES),
  failureReason: z.string().nullable(),
  verifiedAt: z.date().nullable(),
  createdAt: z.date(),
});
export const CreateAwsConnectionInput = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const CreatedAwsConnectionDto = z.object({
  connection: AwsConnectionDto,
  template: z.string().describe('CloudFormation template (JSON) creating the role in your account'),
  consoleUrl: z.string().describe('Quick-create link for the AWS console'),
});
export const VerifyAwsConnectionInput = z.strictObject({ id: z.uuid(), roleArn: z.string().trim().max(2048) });
export const AwsConnectionRef = z.strictObject({ id: z.uuid() });
export const AwsConnectionListDto = z.object({ items: z.array(AwsConnectionDto) });
