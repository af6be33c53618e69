import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { AppError } from '../errors.ts';

/**
 * Outbound HTTP to addresses a customer chose (webhooks, Slack): HTTPS only, to public addresses
 * only, checked when the connection is made (so DNS that changes after a URL was saved cannot
 * point a delivery at an internal service), with no redirects followed.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
// IPv6 is allowed, not blocked: only global unicast (2000::/3) is public. That leaves out in one
// stroke loopback, unspecified, IPv4-compatible (::a.b.c.d), IPv4-mapped (::ffff:a.b.c.d), NAT64
// (64:ff9b::/96), discard (100::/64), unique-local, site-local, link-local and multicast. Inside it,
// the forms that tunnel to an IPv4 address or are reserved are refused too.
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');
const blocked6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 32], // Teredo (carries an IPv4 address)
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (carries an IPv4 address)
  ['3fff::', 20], // documentation
] as const) {
  blocked6.addSubnet(network, prefix, 'ipv6');
}

/** True when the address is one a delivery may reach: public unicast, IPv4 or IPv6. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family === 6) return globalUnicast.check(address, 'ipv6') && !blocked6.check(address, 'ipv6');
  return false;
}

/**
 * Names that never lead to the public internet: loopback (RFC 6761), multicast DNS (RFC 6762) and
 * home networks (RFC 8375), the private suffixes RFC 6762 found in use, and reverse-lookup names.
 */
const PRIVATE_SUFFIXES = [
  'localhost',
  'local',
  'localdomain',
  'internal',
  'intranet',
  'private',
  'corp',
  'home',
  'lan',
  'home.arpa',
  'arpa',
];
/** Cloud metadata services reached by name (their addresses are refused as link-local or CGNAT). */
const METADATA_NAMES = [
  'metadata.goog',
  'metadata.google.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
];

const isUnder = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/** Why a host name (not an address) cannot be a public destination, or null when it can be. */
export function privateNameReason(host: string): string | null {
  if (host.endsWith('.')) return `${host} ends with a dot: write the name without it`;
  if (METADATA_NAMES.some((name) => isUnder(host, name))) return `${host} is a cloud metadata service`;
  const suffix = PRIVATE_SUFFIXES.find((domain) => isUnder(host, domain));
  if (suffix) return `${host} is not a public host (${suffix} names are local)`;
  if (!host.includes('.')) return `${host} is a single-label name, which resolves only on a local network`;
  return null;
}

/**
 * Checks a URL's form: HTTPS, no credentials, no fragment, and a host that is neither a private
 * address literal nor a name that only resolves locally (so `localhost.`, `x.internal` and
 * `metadata.google.internal` are refused before any lookup).
 */
export function checkUrl(text: string, field = 'url'): URL {
  const unsafe = (reason: string) => new AppError('UNSAFE_URL', reason, { field });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw unsafe('Not a URL');
  }
  if (url.protocol !== 'https:') throw unsafe('Only https:// URLs are allowed');
  if (url.username || url.password) throw unsafe('URLs may not carry credentials');
  // A fragment is never sent; one in a saved URL only hides what the URL says from a reader.
  if (url.hash || text.includes('#')) throw unsafe('URLs may not carry a fragment (#…)');
  // The URL parser has already turned decimal, octal and hexadecimal IPv4 forms into dotted ones,
  // dropped an IPv4 address's trailing dot and lower-cased the name.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (!isPublicAddress(host)) throw unsafe(`${host} is not a public address`);
    return url;
  }
  const reason = privateNameReason(host);
  if (reason) throw unsafe(reason);
  return url;
}

/** A DNS lookup that refuses to hand the socket any non-public address. */
export function guardedLookup(
  hostname: string,
  options: object,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => !isPublicAddress(a.address));
    if (bad || list.length === 0) {
      return callback(
        Object.assign(
          new Error(`${hostname} resolves to ${bad ? 'an address that is not a public address' : 'nothing'}`),
          {
            code: 'EUNSAFE',
          },
        ),
        [],
      );
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    return callback(null, list[0]?.address ?? '', list[0]?.family);
  });
}

export type DeliveryResult = { ok: boolean; status: number | null; error: string | null };

/**
 * Every customer-URL request goes through this dispatcher: its sockets resolve names with the
 * guarded lookup, so each address is checked when the connection is made, whatever the URL said
 * when it was saved (DNS rebinding).
 */
const guardedDispatcher = new Agent({ connect: { lookup: guardedLookup, timeout: 5000 } });

/**
 * POSTs a body to a checked URL with fetch. Redirects are not followed (a 3xx is a failure), and
 * only the status code is reported back: a remote's body is never read, so it cannot reach our
 * callers, our logs or our database.
 */
export async function safePost(
  target: string,
  { body, headers, timeoutMs = 5000 }: { body: string; headers: Record<string, string>; timeoutMs?: number },
): Promise<DeliveryResult> {
  const url = checkUrl(target);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      // Node's fetch is undici: it takes an undici dispatcher, which the DOM types do not know of.
      dispatcher: guardedDispatcher,
    } as RequestInit);
    await response.body?.cancel();
    const status = response.status;
    const ok = status >= 200 && status < 300;
    return { ok, status, error: ok ? null : `HTTP ${status}` };
  } catch (error) {
    return { ok: false, status: null, error: describeFailure(error, timeoutMs) };
  }
}

/** Why a request got no answer, in words that name neither the URL nor anything the remote sent. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'EUNSAFE' && cause.message) return cause.message;
  if (cause?.code) return `connection failed (${cause.code})`;
  return 'connection failed';
}
