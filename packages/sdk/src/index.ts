export type { AppRouter } from '@strictops/api/sdk-types';
export { createStrictOpsClient, type StrictOpsClient, type StrictOpsClientOptions } from './client.ts';
export { isStrictOpsError, StrictOpsError, type StrictOpsErrorCode, type StrictOpsValidationIssue } from './errors.ts';
