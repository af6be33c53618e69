import { isServiceName, SERVICE_NAMES, type ServiceName, sha256Hex } from '@strictops/api';

export type ServiceCredential = { name: ServiceName; secretSha256: string };

/** A rotation overlaps the old secret and the new one: two at once per service, never more. */
const SECRETS_PER_SERVICE = 2;
const MIN_SECRET_LENGTH = 32;

/**
 * Reads STRICTOPS_SERVICE_TOKENS (`name:secret` pairs separated by commas). Every name must be a
 * service the policy knows (what it may call is decided there), every secret at least 32
 * characters and used once; a service may have two secrets while one replaces the other. Returns
 * the credentials, or every problem found, each naming its pair by position and service, never by
 * its secret.
 */
export function parseServiceTokens(text: string): { credentials: ServiceCredential[] } | { problems: string[] } {
  const problems: string[] = [];
  const credentials: ServiceCredential[] = [];
  const seen = new Set<string>();
  for (const [index, pair] of text.split(',').entries()) {
    const separator = pair.indexOf(':');
    const name = separator < 0 ? '' : pair.slice(0, separator).trim();
    const secret = separator < 0 ? '' : pair.slice(separator + 1).trim();
    const which = `pair ${index + 1}${name ? ` (${name})` : ''}`;
    if (separator < 0) {
      problems.push(`${which} is not name:secret`);
      continue;
    }
    if (!isServiceName(name)) {
      problems.push(`${which}: unknown service "${name}" (known: ${SERVICE_NAMES.join(', ')})`);
      continue;
    }
    if (secret.length < MIN_SECRET_LENGTH || /\s/.test(secret)) {
      problems.push(`${which}: the secret must be at least ${MIN_SECRET_LENGTH} characters, without spaces`);
      continue;
    }
    const secretSha256 = sha256Hex(secret);
    if (seen.has(secretSha256)) {
      problems.push(`${which}: this secret is given twice; each credential must be its own`);
      continue;
    }
    seen.add(secretSha256);
    credentials.push({ name, secretSha256 });
  }
  for (const name of SERVICE_NAMES) {
    const count = credentials.filter((credential) => credential.name === name).length;
    if (count > SECRETS_PER_SERVICE) {
      problems.push(`${name} has ${count} secrets: at most ${SECRETS_PER_SERVICE} at once (the old and the new)`);
    }
  }
  return problems.length ? { problems } : { credentials };
}
