import type { PublicRouter } from '@strictops/api/sdk-types';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export { createStrictOpsClient, type StrictOpsClient, type StrictOpsClientOptions } from './client.ts';
export {
  type AnyStrictOpsError,
  isStrictOpsError,
  StrictOpsError,
  type StrictOpsErrorCode,
  type StrictOpsErrorDetails,
  type StrictOpsValidationIssue,
} from './errors.ts';
export { paginate } from './pagination.ts';
export type { RetryEvent } from './resilience-link.ts';
export { MAX_BATCH_ITEMS, MAX_URL_LENGTH, type TransportOptions } from './transport.ts';
export { SDK_VERSION } from './version.ts';

/** The API's procedures, as the client types them. */
export type StrictOpsRouter = PublicRouter;
/** Every procedure's input: `StrictOpsInputs['projects']['create']`. */
export type StrictOpsInputs = inferRouterInputs<PublicRouter>;
/** Every procedure's output: `StrictOpsOutputs['projects']['get']`. */
export type StrictOpsOutputs = inferRouterOutputs<PublicRouter>;
