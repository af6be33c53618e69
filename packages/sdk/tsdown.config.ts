import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  // The router's types are inlined into the declarations; no server code reaches the bundle.
  dts: { resolve: ['@strictops/api'] },
  // Server-side packages are external so that nothing of theirs can be bundled; a check after the
  // build fails if any of them is still imported by the output.
  deps: { neverBundle: ['@trpc/client', '@trpc/server', 'superjson', '@strictops/db', /^@mikro-orm\//, 'fastify'] },
  // Declarations of unused server modules would otherwise survive as bare imports.
  treeshake: { moduleSideEffects: false },
  clean: true,
});
