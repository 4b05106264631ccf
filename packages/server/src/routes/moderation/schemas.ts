import { Type } from '@sinclair/typebox';
import { CommentRef, Id } from '../../schemas.js';

export const Paging = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const UserListQuery = Type.Object({
  cursor: Type.Optional(
    Type.String({ maxLength: 300, description: 'next_cursor of the previous page; none for the first.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const UserListResponse = Type.Object({
  users: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      avatar_url: Type.Union([Type.String(), Type.Null()]),
      guest: Type.Boolean(),
      role: Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]),
      email: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description: "The account's e-mail address: shown to admins and the owner only.",
        }),
      ),
    }),
  ),
  total: Type.Integer({
    description: 'How many ids the set holds (erased accounts too, which are not listed).',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null after the last page.' }),
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
