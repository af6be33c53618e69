import { TOKEN_SCOPES } from '@strictops/db';
import { z } from 'zod';
import { pageDto } from '../shared/pagination.ts';
import { DateInput, integerInput, optionalInput } from '../shared/schemas.ts';

export const TokenScopeSchema = z.enum(TOKEN_SCOPES);
const MAX_LIFETIME_DAYS = 366;

export const CreateApiTokenInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(TokenScopeSchema)
    .min(1)
    .max(TOKEN_SCOPES.length)
    .refine((scopes) => new Set(scopes).size === scopes.length, 'Each scope once'),
  expiresAt: DateInput.refine((date) => date.getTime() > Date.now(), 'Must be in the future')
    .refine((date) => date.getTime() <= Date.now() + MAX_LIFETIME_DAYS * 86_400_000, 'At most one year from now')
    .optional()
    .describe('Optional; at most one year ahead. Omit for a token that does not expire.'),
});

export const ApiTokenDto = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  lastFour: z.string(),
  scopes: z.array(TokenScopeSchema),
  createdBy: z.object({ id: z.uuid(), email: z.string() }),
  createdAt: z.date(),
  expiresAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

export const CreatedApiTokenDto = z.object({
  token: z.string().describe('The secret. Shown once: store it now, it cannot be read again.'),
  apiToken: ApiTokenDto,
});

export const ListApiTokensInput = optionalInput(
  z.strictObject({
    cursor: z.uuid().optional(),
    limit: integerInput().min(1).max(200).default(50),
  }),
);

export const ApiTokenListDto = pageDto(ApiTokenDto);
export const RevokeApiTokenInput = z.strictObject({ id: z.uuid() });
