// Guards the first line against SSRF: targets are refused when saved if they name an internal host
// or are not what their channel type takes, before the connect-time guard ever sees them.
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { parseChannelTarget } from './channel-targets.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
  return null;
};

describe('webhook targets', () => {
  it.each([
    'https://localhost/hook',
    'https://localhost./hook',
    'https://LOCALHOST/hook',
    'https://foo.localhost/hook',
    'https://foo.localhost./hook',
    'https://localhost.localdomain/hook',
    'https://printer.local/hook',
    'https://printer.local./hook',
    'https://db.internal/hook',
    'https://db.internal./hook',
    'https://instance-data.ec2.internal/latest/meta-data/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://metadata.google.internal./computeMetadata/v1/',
    'https://metadata.goog/computeMetadata/v1/',
    'https://metadata.tencentyun.com/latest/meta-data/',
    'https://router.home.arpa/',
    'https://1.0.0.127.in-addr.arpa/',
    'https://nas.lan/',
    'https://intranet/',
    'https://metadata/',
    'https://instance-data/',
    'https://hooks.example.com./x',
    'https://hooks.example.com/x#fragment',
    'https://hooks.example.com/x#',
    'https://hooks.example.com#@127.0.0.1/',
    'https://user@hooks.example.com/x',
    'https://127.0.0.1./x',
  ])('refuses %s as UNSAFE_URL on target', (target) => {
    expect(refusal(() => parseChannelTarget('webhook', target))).toMatchObject({ code: 'UNSAFE_URL', field: 'target' });
  });

  it.each([
    'https://hooks.example.com/x',
    'https://hooks.example.com:8443/x?team=ops',
    'https://local.example.com/x',
    'https://internal.example.com/x',
    'https://93.184.215.14/x',
  ])('takes %s', (target) => {
    expect(parseChannelTarget('webhook', target)).toEqual({ target: new URL(target).toString(), secret: null });
  });
});

describe('Slack targets', () => {
  const good = 'https://hooks.slack.com/services/T0001/B0001/slacksecretpart0001';

  it('takes an incoming-webhook URL, shown masked', () => {
    expect(parseChannelTarget('slack', good)).toEqual({
      target: 'https://hooks.slack.com/services/…0001',
      secret: good,
    });
    expect(parseChannelTarget('slack', good.replace('/services', ':443/services')).secret).toBe(good);
  });

  it.each([
    'https://hooks.slack.com:22/services/T0001/B0001/x',
    'https://hooks.slack.com:8443/services/T0001/B0001/x',
    'https://hooks.slack.com/services/T0001/B0001/x?redirect=1',
    'https://hooks.slack.com/api/chat.postMessage',
    'https://hooks.slack.com/services/T0001/B0001/x/../../../api',
    'https://hooks.slack.com/',
    'https://hooks.slack.com.evil.example/services/T0001/B0001/x',
    'https://evil.example/services/T0001/B0001/x',
  ])('refuses %s on target', (target) => {
    expect(refusal(() => parseChannelTarget('slack', target))).toMatchObject({ field: 'target' });
  });

  it.each([
    'https://hooks.slack.com#@127.0.0.1/',
    'https://hooks.slack.com/services/T0001/B0001/x#frag',
    'https://user:pass@hooks.slack.com/services/T0001/B0001/x',
    'https://hooks.slack.com./services/T0001/B0001/x',
    'http://hooks.slack.com/services/T0001/B0001/x',
  ])('refuses %s as UNSAFE_URL', (target) => {
    expect(refusal(() => parseChannelTarget('slack', target))).toMatchObject({ code: 'UNSAFE_URL', field: 'target' });
  });
});

describe('PagerDuty targets', () => {
  it('takes a 32-character routing key, shown masked', () => {
    const key = 'R0123456789abcdefABCDEF012345678';
    expect(parseChannelTarget('pagerduty', key)).toEqual({ target: 'routing key …5678', secret: key });
  });

  it.each([
    'https://events.pagerduty.com/v2/enqueue',
    'x'.repeat(31),
    'x'.repeat(33),
    `${'x'.repeat(31)}-`,
    `${'x'.repeat(16)} ${'x'.repeat(15)}`,
    '',
  ])('refuses %s', (target) => {
    expect(refusal(() => parseChannelTarget('pagerduty', target))).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'target',
    });
  });
});
