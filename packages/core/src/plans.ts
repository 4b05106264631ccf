/**
 * The SaaS plans: what each allows. The dashboard reads this to sell and show
 * them, and sends a site's plan to the comment servers with its key (`SitePlan`),
 * which enforce it without asking again. Prices are set in Stripe (price ids in
 * the dashboard's environment); the limits live here.
 */

export const PLAN_IDS = ['free', 'pro', 'business'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export interface PlanLimits {
  /** Sites an owner may have on this plan. */
  sites: number;
  /** Comments a site takes in a UTC month, whatever their moderation status. */
  commentsPerMonth: number;
  /** Thread reads a site serves in a UTC month before the owner is told it is over (reads never stop). */
  pageviewsPerMonth: number;
  /** Moderators and admins a site may name; null: no limit. */
  moderatorsPerSite: number | null;
}

export interface PlanFeatures {
  /** The widget shows a "Powered by ThreadKit" link. */
  poweredBy: boolean;
  /** The spam pipeline's paid services may be used: Akismet and the AI moderation endpoint. */
  spamServices: boolean;
  /** Support answers by e-mail first. */
  priorityEmail: boolean;
}

export interface Plan {
  id: PlanId;
  name: string;
  /** Shown prices in US dollars; yearly is two months free. */
  monthlyUsd: number;
  yearlyUsd: number;
  limits: PlanLimits;
  features: PlanFeatures;
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    name: 'Free',
    monthlyUsd: 0,
    yearlyUsd: 0,
    limits: { sites: 1, commentsPerMonth: 1_000, pageviewsPerMonth: 25_000, moderatorsPerSite: 1 },
    features: { poweredBy: true, spamServices: false, priorityEmail: false },
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    monthlyUsd: 9,
    yearlyUsd: 90,
    limits: { sites: 5, commentsPerMonth: 50_000, pageviewsPerMonth: 500_000, moderatorsPerSite: 10 },
    features: { poweredBy: false, spamServices: true, priorityEmail: false },
  },
  business: {
    id: 'business',
    name: 'Business',
    monthlyUsd: 49,
    yearlyUsd: 490,
    limits: { sites: 25, commentsPerMonth: 500_000, pageviewsPerMonth: 5_000_000, moderatorsPerSite: null },
    features: { poweredBy: false, spamServices: true, priorityEmail: true },
  },
};

export const isPlanId = (value: unknown): value is PlanId =>
  typeof value === 'string' && (PLAN_IDS as readonly string[]).includes(value);

/**
 * What a comment server enforces for a site: sent by the dashboard with each
 * key it vouches for (`GET /api/internal/keys/<key>`). Standalone sites have none.
 */
export interface SitePlan {
  id: PlanId;
  commentsPerMonth: number;
  moderatorsPerSite: number | null;
  poweredBy: boolean;
  spamServices: boolean;
  /** False when the owner's plan has fewer sites than they have and this one was left out: it reads, but takes no new comments. */
  writable: boolean;
  /** Where the "Powered by ThreadKit" link goes (the service's own page), when `poweredBy`; set by the dashboard. */
  link?: string;
}

export function sitePlan(id: PlanId, writable = true): SitePlan {
  const { limits, features } = PLANS[id];
  return {
    id,
    writable,
    commentsPerMonth: limits.commentsPerMonth,
    moderatorsPerSite: limits.moderatorsPerSite,
    poweredBy: features.poweredBy,
    spamServices: features.spamServices,
  };
}

/** The spam pipeline's settings that need a plan with `spamServices`. */
export const PAID_SPAM_SETTINGS = ['akismet_enabled', 'moderation_api_enabled'] as const;
