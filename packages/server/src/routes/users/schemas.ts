import { Type } from '@sinclair/typebox';
import { Id } from '../../schemas.js';

export const UserIdParams = Type.Object({ id: Id() });
export const SessionIdParams = Type.Object({ id: Id() });

export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    avatar_url: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    email_notifications: Type.Optional(
      Type.Boolean({ description: 'E-mail me about replies and mentions.' }),
    ),
  },
  { additionalProperties: false },
);

export const PublicProfile = Type.Object({
  id: Type.String(),
  name: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  karma: Type.Integer(),
  created_at: Type.Integer(),
});

export const SessionList = Type.Object({
  sessions: Type.Array(
    Type.Object({ id: Type.String(), created_at: Type.Integer(), current: Type.Boolean() }),
  ),
});

export const Export = Type.Object(
  {
    exported_at: Type.Integer(),
    site: Type.Object({ id: Type.String(), name: Type.String() }),
    account: Type.Unsafe({ $ref: 'User#' }),
    comments: Type.Array(Type.Object({}, { additionalProperties: true })),
    votes: Type.Array(Type.Object({ comment_id: Type.String(), direction: Type.String() })),
    reports: Type.Array(Type.Object({}, { additionalProperties: true })),
    sessions: Type.Array(Type.Object({ id: Type.String(), created_at: Type.Integer() })),
    sign_in_providers: Type.Array(Type.Object({ provider: Type.String(), subject: Type.String() })),
    notifications: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true, description: 'Everything stored about the caller on this site.' },
);
