import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from './options.js';

const KEY = 'tk_pub_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const base = ['--url', 'https://comments.example.com/', '--key', KEY];

describe('load test options', () => {
  it('has defaults for everything but the URL and the key', () => {
    expect(parseOptions(base)).toEqual({
      scenario: 'read',
      url: 'https://comments.example.com',
      wsUrl: 'wss://comments.example.com',
      key: KEY,
      origin: 'https://comments.example.com',
      rate: 50,
      durationS: 10,
      requests: undefined,
      rampS: 0,
      connections: 50,
      page: 'loadtest',
      mix: { reads: 90, votes: 7, posts: 3 },
      users: 20,
      signedIn: 0,
      seed: 20,
      json: undefined,
      markdown: undefined,
      quiet: false,
      progress: false,
    });
  });

  it('takes a count of operations instead of a duration, and shows progress on a terminal unless quiet', () => {
    expect(parseOptions([...base, '--requests', '500'], true)).toMatchObject({
      requests: 500,
      durationS: undefined,
      progress: true,
    });
    expect(parseOptions([...base, '--quiet', '--progress'], true)).toMatchObject({ progress: false });
    expect(parseOptions(['--url', 'http://127.0.0.1:8080', '--key', KEY])).toMatchObject({
      wsUrl: 'ws://127.0.0.1:8081',
    });
    expect(parseOptions([...base, '--ws-url', 'ws://127.0.0.1:9001/'])).toMatchObject({
      wsUrl: 'ws://127.0.0.1:9001',
    });
  });

  it('refuses what it cannot run, saying which option is wrong', () => {
    const refusal = (args: string[]) => {
      try {
        parseOptions(args);
      } catch (error) {
        if (error instanceof UsageError) return error.message;
        throw error;
      }
      return null;
    };
    expect(refusal(['--key', KEY])).toBe('--url is required');
    expect(refusal(['--url', 'http://127.0.0.1:8080', '--key', 'tk_sec_x'])).toMatch(/public key/);
    expect(refusal([...base, '--scenario', 'soak'])).toMatch(/^--scenario must be one of read, write/);
    expect(refusal([...base, '--rate', '0'])).toBe('--rate must be a number above 0');
    expect(refusal([...base, '--mix', '90,10'])).toMatch(/^--mix is three whole numbers/);
    expect(refusal([...base, '--signed-in', '2'])).toMatch(/^--signed-in/);
    expect(refusal([...base, '--ws-url', 'http://x'])).toMatch(/^--ws-url must start with ws: or wss:/);
    expect(parseOptions([...base, '--help'])).toBe('help');
  });
});
