import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { Context } from './context.ts';
import { formatError } from './error-format.ts';
import type { ProcedureMeta } from './meta.ts';

export const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  transformer: superjson,
  errorFormatter: formatError,
  // Stack traces never leave the server, whatever NODE_ENV says.
  isDev: false,
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
