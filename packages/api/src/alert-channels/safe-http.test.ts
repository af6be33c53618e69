import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkUrl, isPublicAddress, safePost } from './safe-http.ts';

describe('public addresses only', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '0:0:0:0:0:ffff:127.0.0.1',
    '::127.0.0.1', // IPv4-compatible
    '::a9fe:a9fe', // IPv4-compatible 169.254.169.254
    '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    'fec0::1', // site-local
    '100::1', // discard
    '2001:db8::1', // documentation
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80e::200e'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('URL checks before any connection', () => {
  it.each([
    ['http://hooks.example.com/x', /https/],
    ['https://user:pass@hooks.example.com/', /credentials/],
    ['https://169.254.169.254/latest/meta-data/', /not a public address/],
    ['https://2852039166/', /not a public address/], // 169.254.169.254 in decimal
    ['https://0x7f000001/', /not a public address/], // 127.0.0.1 in hexadecimal
    ['https://0177.0.0.1/', /not a public address/], // 127.0.0.1 in octal
    ['https://[::ffff:127.0.0.1]/', /not a public address/],
    ['https://[::1]/', /not a public address/],
    ['https://[::a9fe:a9fe]/', /not a public address/],
    ['https://[2002:a9fe:a9fe::1]/', /not a public address/],
    ['https://localhost/', /not a public host/],
    ['not a url', /Not a URL/],
  ])('refuses %s', (url, reason) => {
    expect(() => checkUrl(url)).toThrow(reason);
  });
});

describe('checked again at connect time', () => {
  it('refuses a host name whose DNS answer is not public, before connecting', async () => {
    // This machine's own name passes the URL check (it is no address literal) but resolves to a
    // local address: the lookup the socket uses refuses it.
    const result = await safePost(`https://${hostname()}/hook`, { body: '{}', headers: {} });
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).toMatch(/not a public address/);
  });
});
