// The types the published SDK needs, and nothing else. Built into dist-types/ so the SDK's
// declarations are bundled from declarations, never from server source.
export type { ErrorCode } from './errors.ts';
export type { AppRouter } from './root.ts';
