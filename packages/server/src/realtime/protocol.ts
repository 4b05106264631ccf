import { CLIENT_PARAMS, type ClientMessage, type ClientMethod, type LiveErrorCode } from '@threadkit/core';
import { Ajv } from 'ajv';

/**
 * The gateway's edge of the live protocol (`protocol/` in core): what clients
 * send is checked against its schemas, compiled once, before anything acts on it.
 */

export class ProtocolError extends Error {
  constructor(
    readonly code: LiveErrorCode,
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

/** `subscribe, unsubscribe, typing, ping or resync` */
const METHODS = Object.keys(CLIENT_PARAMS)
  .join(', ')
  .replace(/, (\w+)$/, ' or $1');

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
    throw new ProtocolError('invalid_method', `Unknown method ${JSON.stringify(method)}: use ${METHODS}.`);
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
