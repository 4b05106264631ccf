import { invalid } from '@threadkit/core';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };

/**
 * Two validators: query strings and path parameters arrive as text, so they are
 * coerced (`limit=3` → 3, one `page_url` → an array); JSON bodies are not, so a
 * number where a string belongs is a 400, and unknown body fields are refused.
 */
const lenient = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }));
const strict = addFormats.default(new Ajv({ ...common, coerceTypes: false }));

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : lenient).compile(schema as object);

/**
 * The path of a string (or key) in `value` that is not well-formed Unicode (an
 * unpaired UTF-16 surrogate: JSON may carry one, `"\ud800"`, but no UTF-8
 * store, hash or Lua script can), or null. Iterative: bodies nest deep.
 */
export function illFormedTextAt(value: unknown): string | null {
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (!item.isWellFormed()) return path;
    } else if (item !== null && typeof item === 'object') {
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        const at = path ? `${path}.${key}` : key;
        if (!key.isWellFormed()) return at;
        pending.push([(item as Record<string, unknown>)[key], at]);
      }
    }
  }
  return null;
}

const isStream = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';

/** Refuses text that is not well-formed Unicode with a 400 naming the field, before it reaches storage. */
export async function rejectIllFormedText(request: FastifyRequest): Promise<void> {
  for (const [part, value] of [
    // Only a parsed body: an upload left as a stream (an import's file) is bytes, and walking the
    // stream object's own properties would never end.
    ['body', isStream(request.body) ? undefined : request.body],
    ['query', request.query],
    ['params', request.params],
  ] as const) {
    const at = illFormedTextAt(value);
    if (at !== null) throw invalid(at || part, `${at || part} must be well-formed Unicode text`);
  }
}
