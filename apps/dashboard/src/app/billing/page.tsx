import { PLAN_IDS, PLANS, type Plan } from '@threadkit/core';
import type { Metadata } from 'next';
import { graceEndsAt } from '../../billing/plans';
import type { SiteUsage } from '../../moderation/comment-server';
import { requireOwner } from '../../server/auth';
import { services } from '../../server/services';
import { chooseOpenSites, manageBilling, subscribe } from '../actions/billing';
import { ActionForm } from '../ui/form';

export const metadata: Metadata = { title: 'Plan and billing' };

const day = (date: Date) => date.toISOString().slice(0, 10);
const count = (n: number) => n.toLocaleString('en-US');
const limitOf = (n: number | null) => (n === null ? 'no limit' : count(n));

function PlanCard({ plan, current }: { plan: Plan; current: boolean }) {
  const { limits, features } = plan;
  return (
    <li className="plan">
      <h3>
        {plan.name}
        {current ? ' (yours)' : ''}
      </h3>
      <p>{plan.monthlyUsd === 0 ? 'Free' : `$${plan.monthlyUsd} a month, or $${plan.yearlyUsd} a year`}</p>
      <ul>
        <li>
          {limits.sites} {limits.sites === 1 ? 'site' : 'sites'}
        </li>
        <li>{count(limits.commentsPerMonth)} comments a month per site</li>
        <li>{count(limits.pageviewsPerMonth)} page views a month per site</li>
        <li>Moderators per site: {limitOf(limits.moderatorsPerSite)}</li>
        <li>{features.poweredBy ? 'A “Powered by ThreadKit” link' : 'No ThreadKit link'}</li>
        {features.spamServices ? <li>Akismet and AI moderation</li> : null}
        {features.priorityEmail ? <li>Priority e-mail support</li> : null}
      </ul>
    </li>
  );
}

/** A month's figure against its limit, flagged once it is reached. */
function Usage({ used, limit }: { used: number | undefined; limit: number }) {
  if (used === undefined) return <>– of {count(limit)}</>;
  return (
    <>
      {count(used)} of {count(limit)}
      {used >= limit ? <strong className="error"> (over the limit)</strong> : null}
    </>
  );
}

export default async function BillingPage() {
  const { owner, session } = await requireOwner();
  const { plans, billing, sites, commentServer } = await services();
  const csrf = session.csrfToken;
  const [subscription, open] = await Promise.all([plans.subscription(owner.id), plans.openSites(owner.id)]);
  const plan = PLANS[open.plan];
  const grace = graceEndsAt(subscription);
  const usage = new Map<string, SiteUsage | null>();
  if (commentServer) {
    const views = await sites.list(owner.id);
    await Promise.all(
      open.sites.map(async ({ id }) => {
        const site = views.find((view) => view.id === id);
        if (!site) return;
        usage.set(
          id,
          await commentServer
            .asOwner(owner.id, site)
            .usage(id)
            .catch(() => null),
        );
      }),
    );
  }
  const paying = subscription?.stripeSubscriptionId && subscription.plan !== 'free';
  return (
    <main>
      <h1>Plan and billing</h1>
      {grace ? (
        <p role="alert" className="error">
          Your last payment failed. Your sites keep the {PLANS[subscription!.plan as Plan['id']].name} plan’s
          limits until {day(grace)}, then fall back to Free’s: update your payment details.
        </p>
      ) : null}
      <section>
        <h2>Your plan: {plan.name}</h2>
        {paying && subscription ? (
          <p>
            {subscription.interval === 'year' ? 'Billed yearly' : 'Billed monthly'}; Stripe says it is{' '}
            {subscription.status.replace('_', ' ')}.{' '}
            {subscription.currentPeriodEnd
              ? `${subscription.cancelAtPeriodEnd ? 'It ends' : 'It renews'} on ${day(subscription.currentPeriodEnd)}.`
              : null}
          </p>
        ) : null}
        {billing && subscription?.stripeCustomerId ? (
          <ActionForm action={manageBilling} submit="Manage billing" csrf={csrf}>
            <p>Change your card or your plan, see invoices, or cancel, on Stripe.</p>
          </ActionForm>
        ) : null}
      </section>
      <section>
        <h2>Your sites this month</h2>
        {open.sites.length === 0 ? (
          <p>You pay for no site yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Comments</th>
                <th scope="col">Page views</th>
                <th scope="col">Takes comments</th>
              </tr>
            </thead>
            <tbody>
              {open.sites.map((site) => {
                const used = usage.get(site.id);
                return (
                  <tr key={site.id}>
                    <td>
                      <a href={`/sites/${site.id}`}>{site.name}</a>
                    </td>
                    <td>
                      <Usage used={used?.comments} limit={plan.limits.commentsPerMonth} />
                    </td>
                    <td>
                      <Usage used={used?.pageviews} limit={plan.limits.pageviewsPerMonth} />
                    </td>
                    <td>{site.open ? 'yes' : 'no'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {open.sites.length > open.limit ? (
        <section>
          <h2>Choose the sites that take comments</h2>
          <p>
            The {plan.name} plan has room for {open.limit} {open.limit === 1 ? 'site' : 'sites'}, and you pay
            for {open.sites.length}. Every site stays readable; only those you tick take new comments.
          </p>
          <ActionForm action={chooseOpenSites} submit="Keep these open" csrf={csrf}>
            <fieldset>
              <legend>Sites that take comments</legend>
              {open.sites.map((site) => (
                <label key={site.id} className="check">
                  <input type="checkbox" name="open" value={site.id} defaultChecked={site.open} /> {site.name}
                </label>
              ))}
            </fieldset>
          </ActionForm>
        </section>
      ) : null}
      <section>
        <h2>Plans</h2>
        <ul className="plans">
          {PLAN_IDS.map((id) => (
            <PlanCard key={id} plan={PLANS[id]} current={id === open.plan} />
          ))}
        </ul>
        {billing ? (
          <ActionForm
            action={subscribe}
            csrf={csrf}
            choices={(['pro', 'business'] as const).flatMap((id) => [
              { value: `${id}:month`, label: `${PLANS[id].name}, $${PLANS[id].monthlyUsd} a month` },
              { value: `${id}:year`, label: `${PLANS[id].name}, $${PLANS[id].yearlyUsd} a year` },
            ])}
          />
        ) : (
          <p>Billing is not configured on this dashboard: every owner is on the Free plan.</p>
        )}
      </section>
    </main>
  );
}
