import type { Allows, Authorize } from '../policy.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  ApiTokenDto,
  ApiTokenListDto,
  CreateApiTokenInput,
  CreatedApiTokenDto,
  ListApiTokensInput,
  RevokeApiTokenInput,
} from './api-tokens.schemas.ts';
import * as apiTokens from './api-tokens.service.ts';

const tags = ['api tokens'];

type ManagerContext = { caller: { user: { id: string } }; authorize: Authorize; allows: Allows };
const managerOf = (ctx: ManagerContext) => ({
  userId: ctx.caller.user.id,
  authorize: ctx.authorize,
  allows: ctx.allows,
});

export const apiTokensRouter = router({
  /**
   * Creates an API token acting for you in this organization, with scopes your role may grant and an
   * optional expiry (at most a year ahead). The secret is in the answer once and never again.
   */
  create: orgProcedure
    .meta({
      errors: ['LIMIT_REACHED'],
      permission: 'apiTokens.manage',
      openapi: { method: 'POST', path: '/api-tokens', tags, summary: 'Create an API token (its secret is shown once)' },
    })
    .input(CreateApiTokenInput)
    .output(CreatedApiTokenDto)
    .mutation(({ ctx, input }) =>
      apiTokens.createApiToken(ctx.em, { audit: ctx.audit, creator: managerOf(ctx), input }),
    ),

  /**
   * API tokens of the organization (an admin sees all; others their own), a page at a time, without
   * their secrets. Iterate every page with `paginate`.
   */
  list: orgProcedure
    .meta({
      permission: 'apiTokens.manage',
      openapi: { method: 'GET', path: '/api-tokens', tags, summary: 'API tokens: all (admin) or your own' },
    })
    .input(ListApiTokensInput)
    .output(ApiTokenListDto)
    .query(({ ctx, input }) =>
      apiTokens.listApiTokens(ctx.em, { organizationId: ctx.organization.id, manager: managerOf(ctx), ...input }),
    ),

  /**
   * Revokes an API token at once: an admin any token of the organization, others their own.
   */
  revoke: orgProcedure
    .meta({
      errors: ['API_TOKEN_NOT_FOUND'],
      permission: 'apiTokens.manage',
      openapi: {
        method: 'DELETE',
        path: '/api-tokens/{id}',
        tags,
        summary: 'Revoke an API token (admin: any; others: own)',
      },
    })
    .input(RevokeApiTokenInput)
    .output(ApiTokenDto)
    .mutation(({ ctx, input }) =>
      apiTokens.revokeApiToken(ctx.em, { audit: ctx.audit, manager: managerOf(ctx), id: input.id }),
    ),
});
