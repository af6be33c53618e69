// Packing the SDK is pnpm's job (`npm run release`, `pnpm pack`): pnpm writes the catalog ranges
// into the published manifest, where npm would ship `catalog:` specifiers nobody can install.
// Whoever runs a lifecycle script names itself in npm_execpath (npm_config_user_agent can be
// inherited from an outer pnpm, and npm then reports it as its own).
import { basename } from 'node:path';

if (!basename(process.env.npm_execpath ?? '').startsWith('pnpm')) {
  console.error('@strictops/sdk is packed and published with pnpm (npm run release, or pnpm pack), not npm.');
  process.exit(1);
}
