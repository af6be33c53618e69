import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import { AlertDto, AlertPageDto, AlertRef, ListAlertsInput } from './alerts.schemas.ts';
import * as alerts from './alerts.service.ts';

const tags = ['alerts'];

/** Monitoring alerts as members see them (docs/alerts.md); monitoring raises them through internal.alerts. */
export const alertsRouter = router({
  list: orgProcedure
    .meta({
      permission: 'alerts.read',
      openapi: { method: 'GET', path: '/alerts', tags, summary: 'Alerts, newest first' },
    })
    .input(ListAlertsInput)
    .output(AlertPageDto)
    .query(({ ctx, input }) => alerts.listAlerts(ctx.em, input)),

  get: orgProcedure
    .meta({
      permission: 'alerts.read',
      openapi: { method: 'GET', path: '/alerts/{id}', tags, summary: 'One alert' },
    })
    .input(AlertRef)
    .output(AlertDto)
    .query(async ({ ctx, input }) => alerts.alertView(await alerts.loadAlert(ctx.em, input.id))),

  acknowledge: orgProcedure
    .meta({
      permission: 'alerts.acknowledge',
      openapi: {
        method: 'POST',
        path: '/alerts/{id}/acknowledge',
        tags,
        summary: 'Take an open alert on (records who)',
      },
    })
    .input(AlertRef)
    .output(AlertDto)
    .mutation(({ ctx, input }) => alerts.acknowledgeAlert(ctx.em, { audit: ctx.audit, id: input.id })),
});
