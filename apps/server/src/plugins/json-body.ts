import { unstorableInput } from '@strictops/api';
import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies are parsed as Fastify does by default (prototype and constructor poisoning refused),
 * then checked as every procedure checks its input (`unstorableInput`: a NUL character, nesting
 * deeper than any input of ours) before the tRPC and OpenAPI adapters see them: they copy a body
 * with recursive code, which a body of a few kilobytes of `[[[[…` would otherwise crash into a 500.
 */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      const unstorable = unstorableInput(value);
      if (unstorable) {
        return done(
          Object.assign(new Error(unstorable.message), { statusCode: 400, field: unstorable.field }),
          undefined,
        );
      }
      done(null, value);
    });
  });
}
