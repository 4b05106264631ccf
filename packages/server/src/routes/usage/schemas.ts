import { Type } from '@sinclair/typebox';
import { MONTH_PATTERN } from '@threadkit/core';
import { Id } from '../../schemas.js';

export const UsageParams = Type.Object({
  id: Id('Site id: the site of the secret key.'),
});

export const UsageQuery = Type.Object({
  month: Type.Optional(
    Type.String({
      pattern: MONTH_PATTERN.source,
      description: 'A UTC month, `YYYY-MM`; default: the current one.',
    }),
  ),
});

export const UsageResponse = Type.Object(
  {
    site_id: Type.String(),
    month: Type.String({ description: '`YYYY-MM`, UTC.' }),
    comments: Type.Integer({ description: 'Comments posted (whatever their moderation status).' }),
    pageviews: Type.Integer({ description: 'Thread reads (`GET /v1/comments`, 304s included).' }),
    unique_visitors: Type.Integer({
      description: 'Distinct readers (users, or address and browser), estimated with a HyperLogLog (±1%).',
    }),
    api_requests: Type.Integer({ description: 'Every /v1 request made with one of the site keys.' }),
    ws_connections: Type.Integer({ description: 'WebSocket connections opened.' }),
  },
  { description: "A site's usage in a month." },
);
