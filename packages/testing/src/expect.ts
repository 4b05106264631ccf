import { ThreadKitError } from '@threadkit/core';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Asserts an error response of the API: the status, a JSON body with the code and a message. */
export function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect(body).toMatchObject({ code });
  expect(typeof body.error).toBe('string');
  expect(body.error.length).toBeGreaterThan(0);
  return body as { error: string; code: string; field?: string };
}

/** Asserts that `fn` throws the `invalid_request` error for `field`, and returns it. */
export function expectInvalid(fn: () => unknown, field: string): ThreadKitError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ThreadKitError);
  expect(caught).toMatchObject({ code: 'invalid_request', status: 400, field });
  return caught as ThreadKitError;
}
