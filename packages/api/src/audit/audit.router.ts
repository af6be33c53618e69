import { Empty } from '../auth/auth.schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  AuditEventListDto,
  AuditVerificationDto,
  ExportAuditEventsInput,
  ListAuditEventsInput,
} from './audit.schemas.ts';
import { exportAuditEvents } from './audit-export.service.ts';
import { listAuditEvents, verifyAuditChain } from './audit-log.service.ts';

const tags = ['audit'];

export const auditEventsRouter = router({
  list: orgProcedure
    .meta({
      permission: 'audit.read',
      openapi: { method: 'GET', path: '/audit-events', tags, summary: 'The audit log, newest first' },
    })
    .input(ListAuditEventsInput)
    .output(AuditEventListDto)
    .query(({ ctx, input }) => listAuditEvents(ctx.em, { organizationId: ctx.organization.id, ...input })),

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
    .input(Empty)
    .output(AuditVerificationDto)
    .query(({ ctx }) => verifyAuditChain(ctx.em, ctx.organization.id)),

  // Streams lines, so it has no output schema: over HTTP it is GET /audit-events/export (NDJSON or
  // CSV); over tRPC, an async iterable of text chunks. The permission is also a tier feature.
  export: orgProcedure
    .meta({ permission: 'audit.export' })
    .input(ExportAuditEventsInput)
    .query(({ ctx, input }) => exportAuditEvents(ctx.orm, { organizationId: ctx.organization.id, ...input })),
});
