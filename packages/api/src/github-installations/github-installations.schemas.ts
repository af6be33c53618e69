import { GITHUB_INSTALLATION_STATUSES } from '@strictops/db';
import { z } from 'zod';
import { integerInput } from '../shared/schemas.ts';

export const GithubInstallationDto = z.object({
  id: z.uuid(),
  installationId: z.number().int(),
  accountLogin: z.string(),
  accountType: z.string().describe('User or Organization'),
  repositorySelection: z.string().describe('all, or selected repositories'),
  status: z.enum(GITHUB_INSTALLATION_STATUSES),
  suspendedAt: z.date().nullable(),
  createdAt: z.date(),
});
export const GithubInstallationListDto = z.object({ items: z.array(GithubInstallationDto) });

export const BeginInstallDto = z.object({
  installUrl: z.string().describe('Send the admin here: GitHub’s page for installing the StrictOps App'),
  state: z.string(),
  expiresAt: z.date(),
});

export const CompleteInstallInput = z.strictObject({
  installationId: integerInput().positive().max(Number.MAX_SAFE_INTEGER),
  state: z.string().min(1).max(1024),
  code: z.string().min(1).max(256).describe('The OAuth code GitHub’s install redirect carries'),
  // Never read: the state and the code decide. Accepted because GitHub's redirect carries
  // `setup_action`, and a web app that receives the redirect itself may pass its query on whole;
  // the input is strict, so dropping the field would refuse those calls.
  setupAction: z
    .enum(['install', 'update'])
    .optional()
    .describe('GitHub’s `setup_action`, accepted as the redirect carries it and ignored'),
});

export const GithubInstallationRef = z.strictObject({ id: z.uuid() });

export const RepositoriesInput = z.strictObject({
  id: z.uuid(),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,5}$/)
    .optional()
    .describe('The `nextCursor` of the previous page'),
  limit: integerInput().min(1).max(100).default(30),
});
export const RepositoryDto = z.object({
  id: z.number().int(),
  name: z.string(),
  fullName: z.string(),
  private: z.boolean(),
  defaultBranch: z.string().nullable(),
  url: z.string(),
});
export const RepositoryPageDto = z.object({
  items: z.array(RepositoryDto),
  nextCursor: z.string().nullable(),
  totalCount: z.number().int(),
});
