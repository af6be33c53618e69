// Packing the SDK is pnpm's job (`npm run release`, `pnpm pack`): pnpm writes the catalog ranges
// into the published manifest, where npm would ship `catalog:` specifiers nobody can install.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error('@strictops/sdk is packed and published with pnpm (npm run release, or pnpm pack), not npm.');
  process.exit(1);
}
