import { Type } from '@sinclair/typebox';
import {
  DEFAULT_LIMIT,
  DEFAULT_REPLIES,
  MAX_DEPTH,
  MAX_LIMIT,
  MAX_PAGE_KEY_LENGTH,
  MAX_REPLIES,
  MAX_URL_LENGTH,
  REPORT_REASONS,
  SORT_ORDERS,
} from '@threadkit/core';
import { CommentRef, Id } from '../../schemas.js';

export const PageUrl = Type.String({
  minLength: 1,
  maxLength: MAX_URL_LENGTH,
  description: 'The page URL (normalised).',
});
export const PageKey = Type.String({
  minLength: 1,
  maxLength: MAX_PAGE_KEY_LENGTH,
  description: "The site's own page id; wins over page_url for identity.",
});

const Replies = Type.Integer({
  minimum: 0,
  maximum: MAX_REPLIES,
  default: DEFAULT_REPLIES,
  description: 'Replies shown under each comment (the rest load by `rx`).',
});

export const ListQuery = Type.Object({
  page_url: Type.Optional(PageUrl),
  page_key: Type.Optional(PageKey),
  sort: Type.Optional(
    Type.Union(
      SORT_ORDERS.map((s) => Type.Literal(s)),
      { default: 'new' },
    ),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
      description: 'Root comments per page.',
    }),
  ),
  replies: Type.Optional(Replies),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'next_cursor of the previous page.' })),
});

export const RepliesQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
      description: 'Replies per page.',
    }),
  ),
  replies: Type.Optional(Replies),
  cursor: Type.Optional(
    Type.String({ maxLength: 1000, description: "A comment's `rx`, or next_cursor of the previous page." }),
  ),
});

const Votes = Type.Optional(
  Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')]), {
    description: "The caller's votes on the comments of the answer (only with a token).",
  }),
);

export const RepliesResponse = Type.Object({
  comment_id: Type.String(),
  comments: Type.Array(CommentRef, {
    description: 'The next replies, oldest first, each with its first replies.',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  votes: Votes,
});

export const ListResponse = Type.Object({
  page_id: Type.String(),
  tree: Type.Object({ comments: Type.Array(CommentRef), updated_at: Type.Integer() }),
  total: Type.Integer({ description: 'Published comments on the page, all depths.' }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  pageviews: Type.Integer(),
  pinned: Type.Array(Type.String(), { description: 'Ids of pinned root comments, shown first.' }),
  locked: Type.Boolean({
    description: 'The page (or the whole site) is read-only for everyone but moderators.',
  }),
  powered_by: Type.Optional(
    Type.String({
      format: 'uri',
      description: 'SaaS sites on the Free plan: show a "Powered by ThreadKit" link to this address.',
    }),
  ),
  votes: Votes,
});

export const CountsQuery = Type.Object({
  page_url: Type.Optional(Type.Array(PageUrl, { maxItems: 100 })),
  page_key: Type.Optional(Type.Array(PageKey, { maxItems: 100 })),
});

export const CountsResponse = Type.Object({
  counts: Type.Record(Type.String(), Type.Integer(), {
    description: 'Published comments per given URL or key.',
  }),
});

export const CreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'Makes retrying the post safe: the same key from the same commenter within a day stores nothing new and answers the comment the first post stored (with `Idempotent-Replayed: true`); reused for a different comment, 409. Any unique printable ASCII text, for example a UUID made per comment.',
    }),
  ),
});

export const CreateBody = Type.Object(
  {
    page_url: Type.Optional(PageUrl),
    page_key: Type.Optional(PageKey),
    content: Type.String({ maxLength: 100_000, description: 'Markdown.' }),
    parent_id: Type.Optional(
      Id(
        `The comment replied to. Threads nest ${MAX_DEPTH} levels deep: a reply to a comment on the deepest level is stored beside it, under its parent (the answer's \`pid\`).`,
      ),
    ),
    // Bot signals from the widget, checked for guests only (docs/moderation.md).
    website: Type.Optional(
      Type.String({ maxLength: 2000, description: 'Honeypot: a hidden field people leave empty.' }),
    ),
    elapsed_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description:
          'Milliseconds from the first focus in the comment form (or its showing, if nothing was focused) to sending.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EditBody = Type.Object(
  { content: Type.String({ maxLength: 100_000 }) },
  { additionalProperties: false },
);

export const CommentResponse = Type.Object({ comment: CommentRef });

export const PreviewBody = Type.Object(
  { content: Type.String({ maxLength: 100_000, description: 'Markdown.' }) },
  { additionalProperties: false },
);

export const PreviewResponse = Type.Object({
  html: Type.String({
    description: 'The sanitised HTML a comment with this content would show; empty for blank content.',
  }),
});

export const VoteBody = Type.Object(
  { direction: Type.Union([Type.Literal('up'), Type.Literal('down')]) },
  { additionalProperties: false },
);

export const VoteResponse = Type.Object({
  upvotes: Type.Integer(),
  downvotes: Type.Integer(),
  user_vote: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Null()]),
});

export const ReportBody = Type.Object(
  {
    reason: Type.Union(REPORT_REASONS.map((r) => Type.Literal(r))),
    details: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const PinResponse = Type.Object({ comment_id: Type.String(), pinned: Type.Boolean() });
