import { appRouter, type ProcedureMeta } from '@strictops/api';
import type { FastifyRequest } from 'fastify';

/**
 * Names what a request called, for metrics and the request log: the procedure (`auth.me`) over
 * tRPC and REST alike, `batch` for a tRPC batch, the route (`/readyz`) for the server's own
 * routes, `unmatched` otherwise. Only known names come out, so a caller cannot mint label values.
 */
export function procedureResolver(): (request: FastifyRequest) => string {
  // Flat at run time (`auth.me` → procedure), whatever its declared type says.
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>;
  const restRoutes = Object.entries(procedures).flatMap(([name, procedure]) => {
    const rest = procedure._def.meta?.openapi;
    if (!rest) return [];
    const template = rest.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}/]+\\?\}/g, '[^/]+');
    return [{ method: rest.method, pattern: new RegExp(`^${template}/?$`), procedure: name }];
  });
  return (request) => {
    const route = request.routeOptions.url;
    if (route === '/trpc/:path') {
      const path = (request.params as { path?: string }).path ?? '';
      if (path.includes(',')) return 'batch';
      // Own names only: `constructor` or `toString` is not a procedure, nor a label value to make.
      return Object.hasOwn(procedures, path) ? path : 'unmatched';
    }
    if (route === '/*') {
      const path = request.url.split('?')[0] ?? '';
      return restRoutes.find((r) => r.method === request.method && r.pattern.test(path))?.procedure ?? 'unmatched';
    }
    return route ?? 'unmatched';
  };
}
