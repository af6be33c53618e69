import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  // Server-side packages are external so that nothing of theirs can be bundled; test/package.test.ts
  // fails if the output still imports any of them.
  deps: {
    neverBundle: ['@trpc/client', '@trpc/server', 'superjson', '@strictops/db', /^@mikro-orm\//, 'fastify'],
    // The router's types are inlined into the declarations; no server code reaches the bundle.
    dts: { alwaysBundle: [/^@strictops\/api(?:\/|$)/] },
  },
  // Declarations of unused server modules would otherwise survive as bare imports.
  treeshake: { moduleSideEffects: false },
  clean: true,
});
