import type { PublicRouter } from '@strictops/api/sdk-types';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { type Credential, type TransportOptions, transportLinks } from './transport.ts';

export type StrictOpsClientOptions = TransportOptions & {
  /** A session token (from sign-up or sign-in) or an API token, sent as a bearer token; or a function asked before every request. */
  token?: Credential;
  /** The organization (id or slug) requests act on; defaults to the session's active organization. */
  organization?: string;
};

/** The typed client: `client.<area>.<procedure>.query(input)` or `.mutate(input)`. */
export type StrictOpsClient = TRPCClient<PublicRouter>;

/**
 * A typed client for the StrictOps API. Concurrent calls are batched (at most 20 a request, URLs
 * under 2 KiB); long inputs go by POST on their own; every failure is a StrictOpsError.
 */
export function createStrictOpsClient(options: StrictOpsClientOptions): StrictOpsClient {
  return createTRPCClient<PublicRouter>({ links: transportLinks({ ...options, credential: options.token }) });
}
