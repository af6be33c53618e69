import type { ApiDependencies } from '../dependencies.ts';

/** What the API needs to know about the HTTP request, without depending on the HTTP server. */
export type RequestInfo = {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The secret from `Authorization: Bearer …`, if sent. */
  bearerToken: string | null;
  /** The secret from the session cookie, if sent. */
  cookieToken: string | null;
  /** `x-strictops-organization`: the organization (id or slug) the request acts on. */
  organization: string | null;
  /** `Idempotency-Key`: makes a retried creation return the first result. */
  idempotencyKey?: string | null;
};

/** What the API may do to the HTTP response. */
export type ResponseControl = {
  setSessionCookie(token: string, expiresAt: Date): void;
  clearSessionCookie(): void;
  /** Sets a response header (rate-limit headers, Retry-After). */
  setHeader(name: string, value: string): void;
};

/**
 * The root tRPC context. `dependencies` is typed `unknown` here on purpose: this type is part of
 * `AppRouter`, which the published SDK's declarations inline, and naming MikroORM types here would
 * make every SDK consumer need @mikro-orm/* to type-check. The first pipeline step narrows it once.
 */
export type Context = {
  request: RequestInfo;
  response: ResponseControl;
  dependencies: unknown;
};

export function createContext(dependencies: ApiDependencies, request: RequestInfo, response: ResponseControl): Context {
  return { request, response, dependencies };
}
