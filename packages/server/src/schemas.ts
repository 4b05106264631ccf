import { type Static, Type } from '@sinclair/typebox';
import { ERROR_CODES, ID_SCHEMA_PATTERN, MAX_NAME_LENGTH } from '@threadkit/core';
import type { RouteOptions } from 'fastify';

/**
 * Shared schemas, registered once with `app.addSchema` so routes can reference
 * them and the OpenAPI document lists them as components.
 */

/** The compact comment (`Comment`): one schema for HTTP answers and live messages, in core's protocol. */
export { CommentRef, CommentSchema } from '@threadkit/core';

export const ErrorSchema = Type.Object(
  {
    error: Type.String(),
    code: Type.Union(Object.keys(ERROR_CODES).map((code) => Type.Literal(code))),
    field: Type.Optional(Type.String()),
  },
  { $id: 'Error', description: 'Every error response.' },
);

const ErrorRef = Type.Unsafe<Static<typeof ErrorSchema>>({ $ref: 'Error#' });

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String({ maxLength: MAX_NAME_LENGTH }),
    email: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    avatar_url: Type.Union([Type.String(), Type.Null()]),
    email_verified: Type.Boolean(),
    phone_verified: Type.Boolean(),
    karma: Type.Integer(),
    role: Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]),
    guest: Type.Boolean(),
    created_at: Type.Integer(),
    unread_notifications: Type.Integer(),
    email_notifications: Type.Boolean(),
  },
  { $id: 'User', description: 'The signed-in commenter, as they see themselves.' },
);

export const UserRef = Type.Unsafe<Static<typeof UserSchema>>({ $ref: 'User#' });

/** An id (`ids.ts` in core): 22 characters. */
export const Id = (description?: string) =>
  Type.String({ pattern: ID_SCHEMA_PATTERN, ...(description ? { description } : {}) });

export const CommentIdParams = Type.Object({
  id: Id('Comment id.'),
});

/** The error responses a route can give, for its OpenAPI entry. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorRef])) as Record<number, typeof ErrorRef>;

/**
 * Adds error responses to a documented route's OpenAPI entry, for statuses a
 * plugin answers on the route's behalf (a missing key, a full budget, a body too large).
 */
export function documentErrors(route: RouteOptions, ...statuses: number[]): void {
  if (!route.schema?.response || route.schema.hide) return;
  const response = route.schema.response as Record<number, unknown>;
  const missing = statuses.filter((status) => !(status in response));
  if (missing.length > 0)
    route.schema = { ...route.schema, response: { ...response, ...errorResponses(...missing) } };
}

export const bearer = [{ projectid: [], bearer: [] }];

/**
 * Staff routes: a moderator's or admin's token with the public key, the owner's
 * secret key alone, or (SaaS mode) the dashboard's owner token with either key.
 */
export const staff: { [label: string]: string[] }[] = [{ projectid: [], bearer: [] }, { projectid: [] }];
