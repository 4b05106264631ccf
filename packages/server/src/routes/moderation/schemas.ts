import { Type } from '@sinclair/typebox';
import { CommentRef, Id } from '../../schemas.js';

export const Paging = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

const Moderated = Type.Intersect([
  CommentRef,
  Type.Object({
    page_url: Type.Union([Type.String(), Type.Null()]),
    hold_reason: Type.Union([Type.String(), Type.Null()], {
      description: 'Why the spam checks held it, if they did.',
    }),
  }),
]);

export const QueueResponse = Type.Object({ comments: Type.Array(Moderated), total: Type.Integer() });

export const ReportsResponse = Type.Object({
  reports: Type.Array(
    Type.Object({
      comment: Moderated,
      count: Type.Integer(),
      reports: Type.Array(
        Type.Object({
          user_id: Type.String(),
          reason: Type.String(),
          details: Type.String(),
          created_at: Type.Integer(),
        }),
      ),
    }),
  ),
  total: Type.Integer(),
});

export const CommentIdParam = Type.Object({ comment_id: Id() });
export const UserIdParam = Type.Object({ user_id: Id() });

export const BulkBody = Type.Object(
  {
    action: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
    comment_ids: Type.Array(Id(), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

export const BanBody = Type.Object(
  {
    delete_comments: Type.Optional(Type.Boolean({ description: 'Take every comment of theirs down too.' })),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const LockBody = Type.Object(
  {
    page_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    page_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false, description: 'A page to lock; without one, the whole site.' },
);

export const AuditResponse = Type.Object({
  entries: Type.Array(
    Type.Object({
      at: Type.Integer(),
      actor: Type.String(),
      action: Type.String(),
      target: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
  total: Type.Integer(),
});
