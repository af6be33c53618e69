// The types the published SDK needs, and nothing else. Built into dist-types/ so the SDK's
// declarations are bundled from declarations, never from server source.
import type { TRPCBuiltRouter } from '@trpc/server';
import type { AppRouter } from './root.ts';

export type { ErrorCode, ErrorDetails } from './errors.ts';
export type { ApiErrorShape, ValidationIssue } from './trpc/error-format.ts';
export type { AppRouter };

type Root = AppRouter['_def']['_config']['$types'];
type Procedures = AppRouter['_def']['record'];

/** What a customer's client sees: every procedure but the internal services' own. */
export type PublicRouter = TRPCBuiltRouter<Root, Omit<Procedures, 'internal'>>;
/** The internal services' procedures (deploy workers, billing), under `internal`. */
export type InternalRouter = TRPCBuiltRouter<Root, Pick<Procedures, 'internal'>>;
