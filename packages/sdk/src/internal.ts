// @strictops/sdk/internal: the client of StrictOps's own services (deploy workers, billing), which
// call the `internal.*` procedures with a service credential. Customers' code has no use for it.
import type { InternalRouter } from '@strictops/api/sdk-types';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { type Credential, type TransportOptions, transportLinks } from './transport.ts';

export { isStrictOpsError, StrictOpsError, type StrictOpsErrorCode } from './errors.ts';
export type { RetryEvent } from './resilience-link.ts';

export type StrictOpsInternalClientOptions = TransportOptions & {
  /** The service's secret, as configured on the server in STRICTOPS_SERVICE_TOKENS (`name:secret`). */
  serviceCredential: Credential;
};

/** The internal procedures: `client.internal.deployments.claim.mutate(…)`. */
export type StrictOpsInternalClient = TRPCClient<InternalRouter>;

/** A typed client of the internal procedures, authenticated with a service credential. */
export function createStrictOpsInternalClient(options: StrictOpsInternalClientOptions): StrictOpsInternalClient {
  return createTRPCClient<InternalRouter>({
    links: transportLinks({ ...options, credential: options.serviceCredential }),
  });
}
