import { RaiseAlertInput, RaisedAlertDto, ResolveAlertInput, ResolvedAlertDto } from '../alerts/alerts.schemas.ts';
import { raiseAlert, resolveAlert } from '../alerts/monitoring.service.ts';
import { ClaimedDto, ClaimInput, DeploymentDto, ReportInput } from '../deployments/deployments.schemas.ts';
import { router } from '../trpc/init.ts';
import { internalProcedure } from '../trpc/procedures.ts';
import { SetTierInput, TierDto } from './billing.schemas.ts';
import * as internal from './internal.service.ts';

/**
 * For internal services over tRPC only (deploy workers, billing, monitoring); not part of the REST
 * API. Each service's credential reaches its own area alone (policy.ts, `serviceMayCall`).
 */
export const internalRouter = router({
  deployments: router({
    /**
     * Claims the oldest queued deployment of any organization for a deploy worker and marks it
     * `in_progress`; answers nulls when nothing is queued. Deploy workers only (service credential).
     */
    claim: internalProcedure
      .meta({ auditLog: 'found-organization' })
      .input(ClaimInput)
      .output(ClaimedDto)
      .mutation(({ ctx, input }) =>
        internal.claimDeployment(ctx.em, { actor: ctx.actor, origin: ctx.origin, workerId: input.workerId }),
      ),

    /**
     * Reports how a claimed deployment ended (`succeeded`, `failed` or `cancelled`), with a message.
     * Deploy workers only (service credential).
     */
    report: internalProcedure
      .meta({ errors: ['DEPLOYMENT_NOT_FOUND', 'INVALID_TRANSITION'] })
      .input(ReportInput)
      .output(DeploymentDto)
      .mutation(({ ctx, input }) =>
        internal.reportDeployment(ctx.em, { actor: ctx.actor, origin: ctx.origin, ...input }),
      ),
  }),
  organizations: router({
    /**
     * Sets an organization's subscription tier (and, for ENTERPRISE, its limit overrides). The billing
     * service only (service credential).
     */
    setTier: internalProcedure
      .meta({ errors: ['ORGANIZATION_NOT_FOUND'] })
      .input(SetTierInput)
      .output(TierDto)
      .mutation(({ ctx, input }) => internal.setTier(ctx.em, { actor: ctx.actor, origin: ctx.origin, ...input })),
  }),
  alerts: router({
    /**
     * Raises a monitoring alert (the monitoring service only). While an alert with the same
     * `dedupKey` is open, a raise counts a repeat and notifies no one; otherwise it opens one and
     * notifies the channels its routing selects.
     */
    raise: internalProcedure
      .meta({ errors: ['ORGANIZATION_NOT_FOUND', 'PROJECT_NOT_FOUND', 'ENVIRONMENT_NOT_FOUND'] })
      .input(RaiseAlertInput)
      .output(RaisedAlertDto)
      .mutation(({ ctx, input }) => raiseAlert(ctx.em, { actor: ctx.actor, origin: ctx.origin, ...input })),

    /** Resolves the open alert with this `dedupKey`, notifying the channels that were told of it, once. */
    resolve: internalProcedure
      .meta({ errors: ['ORGANIZATION_NOT_FOUND'] })
      .input(ResolveAlertInput)
      .output(ResolvedAlertDto)
      .mutation(({ ctx, input }) => resolveAlert(ctx.em, { actor: ctx.actor, origin: ctx.origin, ...input })),
  }),
});
