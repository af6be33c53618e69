import { NoInput } from '../shared/schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  AuditEventListDto,
  AuditVerificationDto,
  ExportAuditEventsInput,
  ListAuditEventsInput,
} from './audit.schemas.ts';
import { exportAuditEvents } from './audit-export.service.ts';
import { listAuditEvents, verifyAuditChain } from './audit-queries.ts';

const tags = ['audit'];

export const auditEventsRouter = router({
  /**
   * The organization's audit log, newest first, filtered by actor, action, target and time, a page at a
   * time. Iterate every page with `paginate`.
   */
  list: orgProcedure
    .meta({
      permission: 'audit.read',
      openapi: { method: 'GET', path: '/audit-events', tags, summary: 'The audit log, newest first' },
    })
    .input(ListAuditEventsInput)
    .output(AuditEventListDto)
    .query(({ ctx, input }) => listAuditEvents(ctx.em, { organizationId: ctx.organization.id, ...input })),

  /**
   * Walks the organization's audit hash chain and reports the first broken link, if any.
   */
  verify: orgProcedure
    .meta({
      permission: 'audit.read',
      openapi: {
        method: 'GET',
        path: '/audit-events/verify',
        tags,
        summary: 'Walk the hash chain; report the first broken link',
      },
    })
    .input(NoInput)
    .output(AuditVerificationDto)
    .query(({ ctx }) => verifyAuditChain(ctx.em, ctx.organization.id)),

  /**
   * Every audit event of a time range, oldest first, as NDJSON or CSV text chunks (an async iterable);
   * over HTTP it is `GET /audit-events/export`. Part of the PROFESSIONAL and ENTERPRISE tiers.
   */
  export: orgProcedure
    .meta({ errors: ['FEATURE_NOT_IN_TIER'], permission: 'audit.export' })
    .input(ExportAuditEventsInput)
    .query(({ ctx, input }) => exportAuditEvents(ctx.orm, { organizationId: ctx.organization.id, ...input })),
});
