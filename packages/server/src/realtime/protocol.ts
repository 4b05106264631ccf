import { type Static, Type } from '@sinclair/typebox';
import type { WebSocketErrorCode } from '@threadkit/core';
import { Ajv } from 'ajv';

/**
 * The WebSocket protocol of `api.md`: JSON-RPC 2.0 notifications both ways.
 * The schemas below validate what clients send and document it (docs/api.md).
 */

/** Page ids are the HTTP API's (UUIDs); this keeps anything else out of Redis key names. */
const PageId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
/** An event id; 15 digits a part keeps it exact in a double (Redis allows 20, the clock needs 13). */
const StreamId = Type.String({ pattern: '^\\d{1,15}-\\d{1,15}$' });

/**
 * `since`: the `event_id` of the last event received, or a time in ms (server clock, as in
 * `connected`). Bounded, so that nothing out of range (`1e300`) reaches the log's script.
 */
const Since = Type.Union([StreamId, Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]);

export const CLIENT_PARAMS = {
  /** With `since`, the missed events come first, as for `resync`. */
  subscribe: Type.Object({ page_id: PageId, since: Type.Optional(Since) }),
  unsubscribe: Type.Object({ page_id: PageId }),
  typing: Type.Object({
    page_id: PageId,
    reply_to: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  }),
  ping: Type.Object({}),
  resync: Type.Object({ page_id: PageId, since: Since }),
} as const;

export type ClientMethod = keyof typeof CLIENT_PARAMS;
export type ClientMessage = {
  [M in ClientMethod]: { method: M; params: Static<(typeof CLIENT_PARAMS)[M]> };
}[ClientMethod];

/** `error` codes sent to clients: the registry's WebSocket codes. */
export type ProtocolErrorCode = WebSocketErrorCode;

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Close codes the server uses besides the standard ones (1001 going away, 1009 too big). */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tryAgainLater: 1013,
  idle: 4000,
  unauthorized: 4001,
  banned: 4003,
} as const;

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, removeAdditional: false });
const validators = Object.fromEntries(
  Object.entries(CLIENT_PARAMS).map(([method, schema]) => [method, ajv.compile(schema)]),
) as Record<ClientMethod, ReturnType<typeof ajv.compile>>;

/** Parses one client frame into a known message, or throws the matching ProtocolError. */
export function parseClientMessage(data: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ProtocolError('invalid_json', 'The message is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('invalid_json', 'A message is a JSON-RPC 2.0 object.');
  }
  const { method, params = {} } = value as { method?: unknown; params?: unknown };
  if (typeof method !== 'string' || !Object.hasOwn(validators, method)) {
    throw new ProtocolError(
      'invalid_method',
      `Unknown method ${JSON.stringify(method)}: use subscribe, unsubscribe, typing, ping or resync.`,
    );
  }
  const validate = validators[method as ClientMethod];
  if (!validate(params)) {
    // In a union, the branches of the wrong type say least: name the one that fits but fails.
    const errors = validate.errors ?? [];
    const first = errors.find((e) => e.keyword !== 'type' && e.keyword !== 'anyOf') ?? errors[0];
    const where = first?.instancePath ? `params${first.instancePath.replaceAll('/', '.')}` : 'params';
    throw new ProtocolError('invalid_params', `${method}: ${where} ${first?.message ?? 'is invalid'}.`);
  }
  return { method, params } as ClientMessage;
}

/** A server → client notification, as the text to send. */
export function notification(method: string, params: object): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}
