import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The API answers JSON, which no browser should render, frame or run: its policy allows nothing.
 */
const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };

/**
 * Swagger UI at /docs is a page: its own scripts, styles and the document, from this server only.
 * Its bundle sets inline styles, and it fetches /docs/json; nothing else is allowed.
 */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
};

const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/');

/**
 * Security headers on every response (helmet): nosniff, no referrer, same-origin resource policy,
 * a content security policy (nothing for the API, what Swagger UI needs for /docs) and, in
 * production, HSTS. Registered first on the root instance, so that even a request refused by an
 * earlier hook (the cross-site or credentials-in-URL guards) carries them.
 */
export async function registerSecurityHeaders(app: FastifyInstance, { production }: { production: boolean }) {
  // The docs routes are added later by Swagger UI; each gets its page policy as it is added.
  app.addHook('onRoute', (route) => {
    if (!isDocsRoute(route.url)) return;
    route.config = {
      ...route.config,
      helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } },
    } as typeof route.config;
  });
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: production ? { maxAge: 63072000, includeSubDomains: true } : false,
  });
}
