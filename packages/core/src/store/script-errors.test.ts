import { readdirSync, readFileSync } from 'node:fs';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ThreadKitError } from '../errors.js';
import { translateRedisError } from './redis.js';

const LUA_DIR = new URL('./lua/', import.meta.url);
const sources = readdirSync(LUA_DIR)
  .filter((file) => file.endsWith('.lua'))
  .map((file) => ({ file, lua: readFileSync(new URL(file, LUA_DIR), 'utf8') }));

/** What a script's `fail(code, message)` reaches the client as: Redis's error reply. */
const scriptFailure = (code: string, message: string) => new ReplyError(`TK ${code} ${message}`);

/** Runs `translateRedisError` and returns what it threw. */
function translated(error: unknown): unknown {
  try {
    translateRedisError(error);
  } catch (thrown) {
    return thrown;
  }
  throw new Error('translateRedisError returned');
}

describe('error codes from Lua scripts', () => {
  it('fail with registered HTTP codes only', () => {
    const calls = sources.flatMap(({ file, lua }) =>
      [...lua.matchAll(/\bfail\(\s*'([^']*)'/g)].map((match) => ({ file, code: match[1]! })),
    );
    // Sanity: the scan found the scripts' failures at all.
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.filter(({ code }) => !Object.hasOwn(ERROR_CODES, code))).toEqual([]);
  });

  it('name every code literally, so the scan above sees each one', () => {
    // Every call but the definition takes a quoted code; the prelude's `fail` is the only error reply.
    const calls = sources.flatMap(({ file, lua }) =>
      [...lua.matchAll(/(?<!function )\bfail\(\s*([^,)]*)/g)].map((match) => ({ file, code: match[1]! })),
    );
    expect(calls.filter(({ code }) => !/^'[a-z_]+'$/.test(code))).toEqual([]);
    const replies = sources.filter(({ lua }) => lua.includes('error_reply'));
    expect(replies.map(({ file }) => file)).toEqual(['prelude.lua']);
  });

  it('become a ThreadKitError with the code, its status and the message', () => {
    const error = translated(scriptFailure('conflict', 'You have already reported this comment.'));
    expect(error).toBeInstanceOf(ThreadKitError);
    expect(error).toMatchObject({
      code: 'conflict',
      status: 409,
      message: 'You have already reported this comment.',
    });
  });

  it('fail loudly, as a bug and not a client error, when a code is not registered', () => {
    for (const code of ['rate_limit', 'bogus', 'subscription_limit', 'access_denied']) {
      const error = translated(scriptFailure(code, 'Something.'));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ThreadKitError);
      expect((error as Error).message).toContain(`unregistered error code "${code}"`);
      expect((error as Error).cause).toBeInstanceOf(ReplyError);
    }
  });

  it('leaves other errors as they are, and turns a lost connection into unavailable', () => {
    const other = new ReplyError('ERR unknown command');
    expect(translated(other)).toBe(other);
    expect(translated(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toMatchObject({
      code: 'unavailable',
      status: 503,
    });
  });
});
