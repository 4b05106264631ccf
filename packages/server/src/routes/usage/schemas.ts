import { Type } from '@sinclair/typebox';
import { DAY_PATTERN, MONTH_PATTERN } from '@threadkit/core';
import { Id } from '../../schemas.js';

export const UsageParams = Type.Object({
  id: Id('Site id: the site of the secret key.'),
});

export const UsageQuery = Type.Object({
  month: Type.Optional(
    Type.String({
      pattern: MONTH_PATTERN.source,
      description: 'A UTC month, `YYYY-MM`; default (without `day`): the current one.',
    }),
  ),
  day: Type.Optional(
    Type.String({
      pattern: DAY_PATTERN.source,
      description: 'A UTC day, `YYYY-MM-DD`, instead of a month (not both).',
    }),
  ),
});

const count = (description: string) => Type.Integer({ minimum: 0, description });

export const UsageResponse = Type.Object(
  {
    site_id: Type.String(),
    month: Type.Optional(Type.String({ description: '`YYYY-MM`, UTC: when a month was asked for.' })),
    day: Type.Optional(Type.String({ description: '`YYYY-MM-DD`, UTC: when a day was asked for.' })),
    comments: count('Comments posted (whatever their moderation status); exact.'),
    pageviews: count('Thread reads (`GET /v1/comments`, 304s included).'),
    unique_visitors: count(
      'Distinct readers (users, or address and browser), estimated with a HyperLogLog (±1%).',
    ),
    api_requests: count('Every /v1 request made with one of the site keys.'),
    ws_connections: count('WebSocket connections opened.'),
    votes: count('Votes cast or changed (not taken back).'),
    reports: count('Reports of comments accepted.'),
    new_commenters: count('Guests created and accounts registered (a guest upgraded is not new).'),
    approved: count("Moderators' approvals of comments."),
    rejected: count("Moderators' rejections of comments."),
  },
  {
    // `held:<step>` and `rejected:<step>`: new comments held or refused by a spam step (or held by pre-moderation).
    patternProperties: { '^(held|rejected):[a-z_]+$': count('New comments held or refused by this step.') },
    additionalProperties: false,
    description:
      "A site's usage in a UTC month or day. Every figure but `comments` is written in batches, up to a second behind.",
  },
);
