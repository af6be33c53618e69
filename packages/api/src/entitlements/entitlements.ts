import type { Tier } from '@strictops/db';

/**
 * SPEC §5 as data: every limit and feature flag per subscription tier. `null` is unlimited.
 * ENTERPRISE organizations may carry per-organization overrides of the numeric limits.
 * `alertNotificationsPerChannelPerMinute` is the storm ceiling: past it, a channel's alerts of that
 * minute are grouped into one summary (docs/alerts.md).
 */
export const ENTITLEMENTS = {
  FREE: {
    members: 3,
    projects: 2,
    environmentsPerProject: 3,
    awsConnections: 1,
    githubInstallations: 1,
    activeApiTokens: 2,
    alertChannels: 1,
    deploymentsPerMonth: 50,
    concurrentDeployments: 1,
    auditRetentionDays: 7,
    rateLimitMultiplier: 1,
    auditExport: false,
    alertNotificationsPerChannelPerMinute: 10,
  },
  STARTER: {
    members: 10,
    projects: 10,
    environmentsPerProject: 5,
    awsConnections: 3,
    githubInstallations: 2,
    activeApiTokens: 10,
    alertChannels: 5,
    deploymentsPerMonth: 500,
    concurrentDeployments: 3,
    auditRetentionDays: 30,
    rateLimitMultiplier: 2,
    auditExport: false,
    alertNotificationsPerChannelPerMinute: 30,
  },
  PROFESSIONAL: {
    members: 50,
    projects: 50,
    environmentsPerProject: 10,
    awsConnections: 10,
    githubInstallations: 5,
    activeApiTokens: 50,
    alertChannels: 20,
    deploymentsPerMonth: 5000,
    concurrentDeployments: 10,
    auditRetentionDays: 90,
    rateLimitMultiplier: 5,
    auditExport: true,
    alertNotificationsPerChannelPerMinute: 60,
  },
  ENTERPRISE: {
    members: null,
    projects: null,
    environmentsPerProject: null,
    awsConnections: null,
    githubInstallations: null,
    activeApiTokens: null,
    alertChannels: null,
    deploymentsPerMonth: null,
    concurrentDeployments: 50,
    auditRetentionDays: 365,
    rateLimitMultiplier: 10,
    auditExport: true,
    alertNotificationsPerChannelPerMinute: 120,
  },
} as const satisfies Record<Tier, Record<string, number | boolean | null>>;

export type Entitlements = { [K in keyof (typeof ENTITLEMENTS)['FREE']]: (typeof ENTITLEMENTS)[Tier][K] };

/** The entitlements of one organization: its tier's, with an ENTERPRISE organization's overrides applied. */
export function entitlementsOf(organization: {
  tier: Tier;
  limitOverrides?: Record<string, number | null> | null;
}): Entitlements {
  const base: Entitlements = ENTITLEMENTS[organization.tier];
  if (organization.tier !== 'ENTERPRISE' || !organization.limitOverrides) return base;
  const overrides = Object.fromEntries(
    Object.entries(organization.limitOverrides).filter(
      ([key]) => key in base && typeof base[key as keyof Entitlements] !== 'boolean',
    ),
  );
  return { ...base, ...overrides };
}
