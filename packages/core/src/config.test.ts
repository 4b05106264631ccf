import { describe, expect, it } from 'vitest';
import { ASSUMED_OPEN_FILES, ConfigError, defaultMaxConnections, loadConfig } from './config.js';
import {
  DEFAULT_SITE_NAME,
  ENV_VARIABLES,
  type EnvVariableName,
  OIDC_FIELDS,
  readEnvironment,
  type Variable,
} from './environment.js';

const PUB = `tk_pub_${'a1B2'.repeat(6)}`;
const SEC = `tk_sec_${'Z9y8'.repeat(6)}`;
const SECRET_32 = 'x'.repeat(32);

/** The problems loadConfig reports for `env`, failing the test if it does not throw a ConfigError. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted an invalid configuration');
}

describe('loadConfig: defaults', () => {
  it('gives documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('standalone');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.ws).toEqual({
      host: '127.0.0.1',
      port: 8081,
      maxMessagesPerSecond: 10,
      maxSubscriptions: 10,
      idleTimeoutMs: 300_000,
      pingIntervalMs: 30_000,
      maxMessageBytes: 4096,
      maxBufferedBytes: 1_048_576,
      presenceTtlMs: 30_000,
      maxConnections: null,
      maxConnectionsPerAddress: 100,
      replayEventsPerMinute: 1000,
    });
    expect(config.logLevel).toBe('info');
    expect(config.accessTokenTtl).toBe(3600);
    expect(config.sessionTtl).toBe(2_592_000);
    expect(config.dataDir).toBe('./data');
    expect(config.jwtSecret).toBeNull();
    expect(config.redis).toEqual({
      url: null,
      clusterNodes: [],
      sentinels: [],
      sentinelName: null,
      replicaWait: null,
    });
    expect(config.site).toEqual({
      name: null,
      domain: null,
      allowedOrigins: null,
      publicKey: null,
      secretKey: null,
    });
  });

  it('treats empty and whitespace-only values as unset', () => {
    const config = loadConfig({ HTTP_PORT: '', WS_PORT: '   ', MODE: ' ', JWT_SECRET: '' });
    expect(config.http.port).toBe(8080);
    expect(config.ws.port).toBe(8081);
    expect(config.mode).toBe('standalone');
    expect(config.jwtSecret).toBeNull();
  });

  it('takes each default from the declaration', () => {
    const { values, problems } = readEnvironment({});
    expect(problems).toEqual([]);
    for (const [name, variable] of Object.entries(ENV_VARIABLES)) {
      expect(values[name as EnvVariableName], name).toEqual(variable.default);
    }
    const config = loadConfig({});
    expect(config.mode).toBe(ENV_VARIABLES.MODE.default);
    expect(config.http).toEqual({
      host: ENV_VARIABLES.HTTP_HOST.default,
      port: ENV_VARIABLES.HTTP_PORT.default,
    });
    expect(config.ws.idleTimeoutMs).toBe(ENV_VARIABLES.WS_IDLE_TIMEOUT.default * 1000);
    expect(config.ws.pingIntervalMs).toBe(ENV_VARIABLES.WS_PING_INTERVAL.default * 1000);
    expect(config.ws.presenceTtlMs).toBe(ENV_VARIABLES.WS_PRESENCE_TTL.default * 1000);
    expect(config.rateLimits).toEqual({ reads: 120, writes: 20, auth: 10, key: 3000 });
    expect(config.email).toEqual({ smtpUrl: null, from: 'ThreadKit <no-reply@localhost>' });
    expect(config.twilio).toBeNull();
    expect(config.trustProxy).toEqual([]);
  });

  it('declares defaults that its own checks accept', () => {
    for (const [name, variable] of Object.entries(ENV_VARIABLES) as [string, Variable<unknown>][]) {
      const value = variable.default;
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const problems: string[] = [];
      const parsed = variable.parse(String(value), { name, env: {}, report: (p) => problems.push(p) });
      expect(problems, name).toEqual([]);
      expect(parsed, name).toBe(value);
    }
  });

  it('shows in the README the defaults that loadConfig applies where a value alone cannot', () => {
    const config = loadConfig({ HTTP_PORT: '9000', WS_PORT: '9001' });
    expect(ENV_VARIABLES.PUBLIC_URL.shown?.replace('<HTTP_PORT>', '9000')).toBe(`\`${config.publicUrl}\``);
    expect(ENV_VARIABLES.PUBLIC_WS_URL.shown?.replace('<WS_PORT>', '9001')).toBe(`\`${config.publicWsUrl}\``);
    expect(ENV_VARIABLES.THREADKIT_SITE_NAME.shown).toBe(`\`${DEFAULT_SITE_NAME}\``);
    expect(ENV_VARIABLES.RATE_LIMITS.shown).toBe('`reads=120,writes=20,auth=10,key=3000`');
  });
});

describe('WebSocket connection limits', () => {
  it('reads WS_MAX_CONNECTIONS, WS_MAX_CONNECTIONS_PER_ADDRESS and WS_REPLAY_EVENTS_PER_MINUTE', () => {
    expect(
      loadConfig({
        WS_MAX_CONNECTIONS: '5000',
        WS_MAX_CONNECTIONS_PER_ADDRESS: '20',
        WS_REPLAY_EVENTS_PER_MINUTE: '0',
      }).ws,
    ).toMatchObject({ maxConnections: 5000, maxConnectionsPerAddress: 20, replayEventsPerMinute: 0 });
    for (const [name, value] of [
      ['WS_MAX_CONNECTIONS', '0'],
      ['WS_MAX_CONNECTIONS', 'lots'],
      ['WS_MAX_CONNECTIONS_PER_ADDRESS', '0'],
      ['WS_REPLAY_EVENTS_PER_MINUTE', '-1'],
    ] as const) {
      expect(problemsOf({ [name]: value })[0]).toContain(name);
    }
  });

  it('derives the default WS_MAX_CONNECTIONS from the open-files limit, as its documentation says', () => {
    expect(defaultMaxConnections(1024)).toBe(768);
    expect(ENV_VARIABLES.WS_MAX_CONNECTIONS.doc).toContain('768 with `ulimit -n 1024`');
    expect(defaultMaxConnections(65_536)).toBe(49_152);
    // Small limits keep 128 for the rest; an unknown one is taken as 1024.
    expect(defaultMaxConnections(256)).toBe(128);
    expect(defaultMaxConnections(100)).toBe(1);
    expect(defaultMaxConnections(null)).toBe(defaultMaxConnections(ASSUMED_OPEN_FILES));
  });
});

describe('loadConfig: valid values', () => {
  it('reads ports, hosts, TTLs, log level, data dir and JWT secret, trimming whitespace', () => {
    const config = loadConfig({
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: ' 9000 ',
      WS_HOST: '::',
      WS_PORT: '9001',
      ACCESS_TOKEN_TTL: '60',
      SESSION_TTL: '3600',
      LOG_LEVEL: 'debug',
      DATA_DIR: '/var/lib/threadkit',
      JWT_SECRET: `  ${SECRET_32}  `,
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(config.ws).toMatchObject({ host: '::', port: 9001 });
    expect(config.accessTokenTtl).toBe(60);
    expect(config.sessionTtl).toBe(3600);
    expect(config.logLevel).toBe('debug');
    expect(config.dataDir).toBe('/var/lib/threadkit');
    expect(config.jwtSecret).toBe(SECRET_32);
  });

  it('accepts port bounds 0 and 65535', () => {
    expect(loadConfig({ HTTP_PORT: '0' }).http.port).toBe(0);
    expect(loadConfig({ WS_PORT: '65535' }).ws.port).toBe(65535);
  });

  it('counts JWT_SECRET length in bytes, not characters', () => {
    // 16 two-byte characters are 32 bytes.
    expect(loadConfig({ JWT_SECRET: 'é'.repeat(16) }).jwtSecret).toBe('é'.repeat(16));
    expect(problemsOf({ JWT_SECRET: 'é'.repeat(15) })).toHaveLength(1);
  });

  it.each(['redis://localhost:6379', 'rediss://user:pw@redis.example.com:6380/2', 'unix:///run/redis.sock'])(
    'accepts REDIS_URL %s',
    (url) => {
      expect(loadConfig({ REDIS_URL: url }).redis.url).toBe(url);
    },
  );

  it('parses REDIS_CLUSTER_NODES into host/port objects, trimming and skipping empty entries', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001 ,,redis-c.internal:7002',
    });
    expect(config.redis.clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: 'redis-c.internal', port: 7002 },
    ]);
  });

  it('parses REDIS_SENTINELS with REDIS_SENTINEL_NAME', () => {
    const config = loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26380', REDIS_SENTINEL_NAME: 'mymaster' });
    expect(config.redis.sentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ]);
    expect(config.redis.sentinelName).toBe('mymaster');
  });

  it('honours the THREADKIT_* variables exactly', () => {
    const config = loadConfig({
      THREADKIT_SITE_NAME: 'Ada’s Blog',
      THREADKIT_SITE_DOMAIN: 'blog.example.com',
      THREADKIT_ALLOWED_ORIGINS: ' https://blog.example.com ,*.example.com,, http://localhost:3000 ',
      THREADKIT_PUBLIC_KEY: PUB,
      THREADKIT_SECRET_KEY: SEC,
    });
    expect(config.site).toEqual({
      name: 'Ada’s Blog',
      domain: 'blog.example.com',
      allowedOrigins: ['https://blog.example.com', '*.example.com', 'http://localhost:3000'],
      publicKey: PUB,
      secretKey: SEC,
    });
  });

  it('accepts keys of the generated length (43 base62 digits)', () => {
    const pub = `tk_pub_${'A'.repeat(43)}`;
    const sec = `tk_sec_${'0'.repeat(43)}`;
    const config = loadConfig({ THREADKIT_PUBLIC_KEY: pub, THREADKIT_SECRET_KEY: sec });
    expect(config.site.publicKey).toBe(pub);
    expect(config.site.secretKey).toBe(sec);
  });
});

describe('loadConfig: invalid values', () => {
  it.each([
    ['HTTP_PORT', 'abc'],
    ['HTTP_PORT', '65536'],
    ['HTTP_PORT', '-1'],
    ['WS_PORT', '80.5'],
    ['ACCESS_TOKEN_TTL', '59'],
    ['ACCESS_TOKEN_TTL', '86401'],
    ['SESSION_TTL', '3599'],
    ['SESSION_TTL', '31536001'],
  ])('rejects %s=%s, naming the variable and the value', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain(value);
  });

  it('rejects a JWT_SECRET shorter than 32 bytes', () => {
    const problems = problemsOf({ JWT_SECRET: 'x'.repeat(31) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('JWT_SECRET');
  });

  it.each(['http://localhost:6379', 'localhost:6379', 'REDIS://localhost', 'tcp://x'])(
    'rejects REDIS_URL %s',
    (url) => {
      const problems = problemsOf({ REDIS_URL: url });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('REDIS_URL');
    },
  );

  it('rejects an unknown MODE and LOG_LEVEL', () => {
    expect(problemsOf({ MODE: 'cluster' })[0]).toContain('MODE');
    expect(problemsOf({ LOG_LEVEL: 'verbose' })[0]).toContain('LOG_LEVEL');
  });

  it('takes MODE=saas only with the dashboard to ask, and a long enough secret', () => {
    expect(problemsOf({ MODE: 'saas' })).toEqual([
      'MODE=saas needs INTERNAL_API_URL and INTERNAL_API_SECRET (the dashboard keeps the sites)',
    ]);
    const secret = 's'.repeat(32);
    expect(
      problemsOf({ MODE: 'saas', INTERNAL_API_URL: 'ftp://dashboard', INTERNAL_API_SECRET: secret }),
    ).toEqual(['INTERNAL_API_URL must be an http(s) URL without query (got "ftp://dashboard")']);
    expect(
      problemsOf({
        MODE: 'saas',
        INTERNAL_API_URL: 'http://dashboard:3000/api/internal',
        INTERNAL_API_SECRET: 'short',
      })[0],
    ).toBe('INTERNAL_API_SECRET must be at least 32 characters long');
    const config = loadConfig({
      MODE: 'saas',
      INTERNAL_API_URL: 'http://dashboard:3000/api/internal',
      INTERNAL_API_SECRET: secret,
    });
    expect(config).toMatchObject({
      mode: 'saas',
      dashboard: { url: 'http://dashboard:3000/api/internal', secret },
    });
    // The variables mean nothing to a standalone server.
    expect(loadConfig({ INTERNAL_API_URL: 'http://dashboard:3000/api/internal' }).dashboard).toBeNull();
  });

  it.each([
    ['THREADKIT_PUBLIC_KEY', SEC],
    ['THREADKIT_PUBLIC_KEY', 'tk_pub_short'],
    ['THREADKIT_PUBLIC_KEY', `tk_pub_${'a'.repeat(19)}-x`],
    ['THREADKIT_SECRET_KEY', PUB],
    ['THREADKIT_SECRET_KEY', `tk_sec_${'a'.repeat(30)}!`],
    ['THREADKIT_SECRET_KEY', 'secret'],
  ])('rejects a malformed %s (%s)', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('waits for replicas only when REDIS_WAIT_REPLICAS asks for some, within 4 s', () => {
    expect(loadConfig({ REDIS_WAIT_REPLICAS: '1' }).redis.replicaWait).toEqual({
      replicas: 1,
      timeoutMs: 100,
    });
    expect(loadConfig({ REDIS_WAIT_REPLICAS: '2', REDIS_WAIT_TIMEOUT_MS: '250' }).redis.replicaWait).toEqual({
      replicas: 2,
      timeoutMs: 250,
    });
    expect(
      loadConfig({ REDIS_WAIT_REPLICAS: '0', REDIS_WAIT_TIMEOUT_MS: '250' }).redis.replicaWait,
    ).toBeNull();
    // Past the 5 s a Redis command may take, the wait would fail as a stalled Redis.
    expect(problemsOf({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '5000' })).toEqual([
      'REDIS_WAIT_TIMEOUT_MS must be an integer from 1 to 4000 (got "5000")',
    ]);
  });

  it('rejects REDIS_SENTINELS without REDIS_SENTINEL_NAME', () => {
    const problems = problemsOf({ REDIS_SENTINELS: 's1:26379' });
    expect(problems).toEqual(['REDIS_SENTINELS needs REDIS_SENTINEL_NAME']);
  });

  it.each(['redis-a', 'redis-a:', ':7000', 'redis-a:port', 'redis-a:123456'])(
    'rejects the REDIS_CLUSTER_NODES entry %s',
    (entry) => {
      const problems = problemsOf({ REDIS_CLUSTER_NODES: `good:7000,${entry}` });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('REDIS_CLUSTER_NODES');
      expect(problems[0]).toContain(entry);
    },
  );

  it('reports every bad value at once in one ConfigError', () => {
    let caught: unknown;
    try {
      loadConfig({
        HTTP_PORT: '99999',
        WS_PORT: 'nope',
        JWT_SECRET: 'short',
        REDIS_URL: 'http://redis',
        MODE: 'weird',
        LOG_LEVEL: 'loud',
        THREADKIT_PUBLIC_KEY: 'pub',
        THREADKIT_SECRET_KEY: 'sec',
        REDIS_SENTINELS: 's1:26379',
        REDIS_CLUSTER_NODES: 'no-port',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(10);
    for (const name of [
      'HTTP_PORT',
      'WS_PORT',
      'JWT_SECRET',
      'REDIS_URL',
      'MODE',
      'LOG_LEVEL',
      'THREADKIT_PUBLIC_KEY',
      'THREADKIT_SECRET_KEY',
      'REDIS_SENTINELS',
      'REDIS_CLUSTER_NODES',
    ]) {
      expect(error.problems.some((p) => p.includes(name))).toBe(true);
    }
    // The message lists every problem too, for the log.
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('rejects an out-of-range port in REDIS_CLUSTER_NODES', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis-a:99999' })).toHaveLength(1);
  });

  it('reports a malformed THREADKIT_ALLOWED_ORIGINS entry', () => {
    expect(problemsOf({ THREADKIT_ALLOWED_ORIGINS: 'https://example.com/blog' })).toHaveLength(1);
  });
});

/** The names `loadConfig` looks up in `env`, in the order it does. */
function namesRead(env: Record<string, string>): string[] {
  const read: string[] = [];
  const watched = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.push(name);
      return Reflect.get(target, name);
    },
  });
  loadConfig(watched);
  return read;
}

describe('loadConfig: the message for each kind of bad value', () => {
  // Operators read these in the log: their wording is part of the contract.
  it.each([
    [{ MODE: 'cluster' }, 'MODE must be "standalone" or "saas" (got "cluster")'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must start with redis://, rediss:// or unix:// (got "http://x")'],
    [{ REDIS_CLUSTER_NODES: 'a:1,b' }, 'REDIS_CLUSTER_NODES: "b" is not host:port'],
    [
      { WS_MAX_BUFFERED_BYTES: '1' },
      'WS_MAX_BUFFERED_BYTES must be an integer from 65536 to 1073741824 (got "1")',
    ],
    [{ WS_MAX_CONNECTIONS: '0' }, 'WS_MAX_CONNECTIONS must be an integer from 1 to 10000000 (got "0")'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 bytes long (or unset, to generate one)'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL must start with smtp:// or smtps:// (got "http://mail")'],
    [{ TWILIO_FROM: '+1' }, 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set together'],
    [{ GOOGLE_CLIENT_ID: 'a' }, 'GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together'],
    [{ GITHUB_OAUTH_URL: 'x' }, 'GITHUB_OAUTH_URL must be an https URL (http only on localhost) (got "x")'],
    [
      { PUBLIC_URL: 'ftp://x' },
      'PUBLIC_URL must be an http(s) URL without query or credentials (got "ftp://x")',
    ],
    [
      { PUBLIC_WS_URL: 'http://x' },
      'PUBLIC_WS_URL must be a ws:// or wss:// URL without path, query or fragment (got "http://x")',
    ],
    [
      { PUBLIC_URL: 'https://exa"mple.com' },
      'PUBLIC_WS_URL cannot be derived from PUBLIC_URL\'s host "exa"mple.com"; set it',
    ],
    [
      { OIDC_PROVIDERS: 'Bad-Name' },
      'OIDC_PROVIDERS: "bad-name" must be a letter followed by up to 30 letters, digits or _',
    ],
    [{ OIDC_PROVIDERS: 'github' }, 'OIDC_PROVIDERS: "github" is reserved; choose another name'],
    [
      { OIDC_PROVIDERS: 'corp', OIDC_CORP_CLIENT_ID: 'x' },
      'OIDC_CORP_ISSUER must be set for the OIDC provider "corp"',
    ],
    [
      { OUTBOUND_ALLOW_PRIVATE: 'localhost' },
      'OUTBOUND_ALLOW_PRIVATE: "localhost" is not an IP address or a CIDR range (or write all)',
    ],
    [
      { TRUST_PROXY: 'x' },
      'TRUST_PROXY: "x" is not an IP address, a CIDR range, loopback, linklocal or uniquelocal',
    ],
    [{ RATE_LIMITS: 'reads=0' }, 'RATE_LIMITS: reads must be an integer from 1 to 10000000, or off'],
    [
      { THREADKIT_ALLOWED_ORIGINS: 'https://a/b' },
      'THREADKIT_ALLOWED_ORIGINS: "https://a/b" is not an origin (scheme://host[:port])',
    ],
    [
      { THREADKIT_SECRET_KEY: 'x' },
      'THREADKIT_SECRET_KEY must look like tk_sec_ followed by 20+ letters or digits',
    ],
  ])('%j: %s', (env, message) => {
    expect(problemsOf(env as Record<string, string>)).toEqual([message]);
  });
});

describe('loadConfig: e-mail and text messages', () => {
  it('reads SMTP_URL and EMAIL_FROM, and Twilio only when all three of its variables are set', () => {
    expect(
      loadConfig({ SMTP_URL: 'smtps://mail.example.com', EMAIL_FROM: ' Blog <c@example.com> ' }).email,
    ).toEqual({
      smtpUrl: 'smtps://mail.example.com',
      from: 'Blog <c@example.com>',
    });
    const twilio = { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+14155550123' };
    expect(loadConfig(twilio).twilio).toEqual({
      accountSid: 'AC1',
      authToken: 'tok',
      from: '+14155550123',
      apiUrl: 'https://api.twilio.com',
    });
    expect(loadConfig({ ...twilio, TWILIO_API_URL: 'http://127.0.0.1:9/' }).twilio?.apiUrl).toBe(
      'http://127.0.0.1:9',
    );
    expect(loadConfig({ TWILIO_API_URL: 'http://127.0.0.1:9' }).twilio).toBeNull();
  });

  it('gives every configuration its own lists and objects', () => {
    const first = loadConfig({});
    first.trustProxy.push('10.0.0.1');
    first.rateLimits.reads = 1;
    const second = loadConfig({});
    expect(second.trustProxy).toEqual([]);
    expect(second.rateLimits.reads).toBe(120);
  });
});

describe('ENV_VARIABLES', () => {
  const names = Object.keys(ENV_VARIABLES);

  it('names each variable in upper case, with documentation', () => {
    for (const [name, variable] of Object.entries(ENV_VARIABLES) as [string, Variable<unknown>][]) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(variable.doc.length, name).toBeGreaterThan(10);
      if (variable.shown !== undefined) expect(variable.shown.length, name).toBeGreaterThan(0);
    }
  });

  it('is every environment variable loadConfig reads, and nothing else', () => {
    const read = namesRead({});
    expect([...new Set(read)].sort()).toEqual([...names].sort());
  });

  it('documents the OIDC_<NAME>_* family with every field read for a provider, and nothing else', () => {
    const read = namesRead({
      OIDC_PROVIDERS: 'corp',
      OIDC_CORP_ISSUER: 'https://sso.corp.example',
      OIDC_CORP_CLIENT_ID: 'corp-id',
    });
    const family = read.filter((name) => !names.includes(name));
    expect([...new Set(family)].sort()).toEqual(OIDC_FIELDS.map((field) => `OIDC_CORP_${field}`).sort());
    const documented = ENV_VARIABLES.OIDC_PROVIDERS.family;
    expect(documented?.name).toBe('OIDC_<NAME>_*');
    for (const field of OIDC_FIELDS) expect(documented?.doc).toContain(`OIDC_<NAME>_${field}`);
  });
});

describe('loadConfig: sign-in providers', () => {
  it('has no providers and a localhost PUBLIC_URL on the HTTP port by default', () => {
    expect(loadConfig({}).oauthProviders).toEqual([]);
    expect(loadConfig({}).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ HTTP_PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
  });

  it('reads PUBLIC_URL without its trailing slash, and refuses a non-http one', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://comments.example.com/' }).publicUrl).toBe(
      'https://comments.example.com',
    );
    expect(loadConfig({ PUBLIC_URL: 'https://example.com/comments' }).publicUrl).toBe(
      'https://example.com/comments',
    );
    for (const bad of ['comments.example.com', 'ftp://example.com', 'https://example.com/?x=1']) {
      expect(problemsOf({ PUBLIC_URL: bad })[0]).toContain('PUBLIC_URL');
    }
  });

  it('configures Google and GitHub from their client pairs, with overridable endpoints', () => {
    const config = loadConfig({
      GOOGLE_CLIENT_ID: 'g-id',
      GOOGLE_CLIENT_SECRET: 'g-secret',
      GITHUB_CLIENT_ID: 'gh-id',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      GITHUB_OAUTH_URL: 'http://127.0.0.1:4000/',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
    });
    expect(config.oauthProviders).toEqual([
      {
        kind: 'oidc',
        name: 'google',
        label: 'Google',
        issuer: 'https://accounts.google.com',
        clientId: 'g-id',
        clientSecret: 'g-secret',
      },
      {
        kind: 'github',
        name: 'github',
        label: 'GitHub',
        clientId: 'gh-id',
        clientSecret: 'gh-secret',
        oauthUrl: 'http://127.0.0.1:4000',
        apiUrl: 'https://ghe.example.com/api/v3',
      },
    ]);
  });

  it('configures generic OIDC providers from OIDC_PROVIDERS and OIDC_<NAME>_*', () => {
    const config = loadConfig({
      OIDC_PROVIDERS: ' Corp, okta_eu ',
      OIDC_CORP_ISSUER: 'https://sso.corp.example',
      OIDC_CORP_CLIENT_ID: 'corp-id',
      OIDC_CORP_CLIENT_SECRET: 'corp-secret',
      OIDC_CORP_LABEL: 'Corp SSO',
      OIDC_OKTA_EU_ISSUER: 'https://okta.example/oauth2/default',
      OIDC_OKTA_EU_CLIENT_ID: 'okta-id',
    });
    expect(config.oauthProviders).toEqual([
      {
        kind: 'oidc',
        name: 'corp',
        label: 'Corp SSO',
        issuer: 'https://sso.corp.example',
        clientId: 'corp-id',
        clientSecret: 'corp-secret',
      },
      {
        kind: 'oidc',
        name: 'okta_eu',
        label: 'okta_eu',
        issuer: 'https://okta.example/oauth2/default',
        clientId: 'okta-id',
        clientSecret: null,
      },
    ]);
  });

  it.each([
    [{ GOOGLE_CLIENT_ID: 'only-the-id' }, 'GOOGLE_CLIENT_SECRET'],
    [{ GITHUB_CLIENT_SECRET: 'only-the-secret' }, 'GITHUB_CLIENT_ID'],
    [{ GOOGLE_ISSUER: 'http://accounts.example.com' }, 'GOOGLE_ISSUER'],
    [{ GITHUB_API_URL: 'not a url' }, 'GITHUB_API_URL'],
    [{ OIDC_PROVIDERS: 'corp', OIDC_CORP_CLIENT_ID: 'x' }, 'OIDC_CORP_ISSUER'],
    [{ OIDC_PROVIDERS: 'corp', OIDC_CORP_ISSUER: 'https://sso.example' }, 'OIDC_CORP_CLIENT_ID'],
    [{ OIDC_PROVIDERS: 'github' }, 'reserved'],
    [{ OIDC_PROVIDERS: 'my-corp' }, 'my-corp'],
    [
      { OIDC_PROVIDERS: 'corp', OIDC_CORP_ISSUER: 'http://sso.example', OIDC_CORP_CLIENT_ID: 'x' },
      'OIDC_CORP_ISSUER',
    ],
  ])('rejects %j, naming %s', (env, name) => {
    const problems = problemsOf(env as Record<string, string>);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });
});

describe('loadConfig: PUBLIC_WS_URL', () => {
  it('defaults to the gateway on localhost at WS_PORT, as the declaration shows', () => {
    expect(loadConfig({}).publicWsUrl).toBe('ws://localhost:8081');
    expect(loadConfig({ WS_PORT: '9001' }).publicWsUrl).toBe('ws://localhost:9001');
    const documented = ENV_VARIABLES.PUBLIC_WS_URL.shown;
    expect(documented?.replace('<WS_PORT>', '8081')).toBe(`\`${loadConfig({}).publicWsUrl}\``);
  });

  it("derives it from PUBLIC_URL's host, ws for http and wss for https, dropping any path", () => {
    expect(loadConfig({ PUBLIC_URL: 'https://comments.example.com' }).publicWsUrl).toBe(
      'wss://comments.example.com',
    );
    expect(loadConfig({ PUBLIC_URL: 'http://Comments.Example.com:8000/' }).publicWsUrl).toBe(
      'ws://comments.example.com:8000',
    );
    expect(loadConfig({ PUBLIC_URL: 'https://example.com/comments', WS_PORT: '9001' }).publicWsUrl).toBe(
      'wss://example.com',
    );
    expect(loadConfig({ PUBLIC_URL: 'http://[::1]:8080' }).publicWsUrl).toBe('ws://[::1]:8080');
  });

  it('takes an explicit value over the derived one, without its trailing slash', () => {
    const env = { PUBLIC_URL: 'https://example.com' };
    expect(loadConfig({ ...env, PUBLIC_WS_URL: 'wss://live.example.com/' }).publicWsUrl).toBe(
      'wss://live.example.com',
    );
    expect(loadConfig({ PUBLIC_WS_URL: ' ws://127.0.0.1:9001 ' }).publicWsUrl).toBe('ws://127.0.0.1:9001');
    expect(loadConfig({ PUBLIC_WS_URL: 'wss://[2001:db8::1]:443' }).publicWsUrl).toBe(
      'wss://[2001:db8::1]:443',
    );
  });

  it.each([
    'https://example.com',
    'example.com',
    'ws://',
    'wss://example.com/ws',
    'wss://example.com?x=1',
    'wss://example.com#top',
    'wss://user:pass@example.com',
    'wss://example.com:70000',
    'wss://exa"mple.com',
    "wss://exa'mple.com",
  ])('rejects PUBLIC_WS_URL=%s, naming the variable and the value', (value) => {
    const problems = problemsOf({ PUBLIC_WS_URL: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('PUBLIC_WS_URL');
    expect(problems[0]).toContain(value);
  });

  it('reports only PUBLIC_URL when it is invalid, not a second problem for the derived URL', () => {
    expect(problemsOf({ PUBLIC_URL: 'ftp://example.com' })).toEqual([expect.stringContaining('PUBLIC_URL')]);
  });

  it('asks for PUBLIC_WS_URL when PUBLIC_URL has a host that cannot go into embed.js', () => {
    const problems = problemsOf({ PUBLIC_URL: 'https://exa"mple.com' });
    expect(problems).toEqual([expect.stringContaining('PUBLIC_WS_URL')]);
    expect(
      loadConfig({ PUBLIC_URL: 'https://exa"mple.com', PUBLIC_WS_URL: 'wss://example.com' }).publicWsUrl,
    ).toBe('wss://example.com');
  });
});

describe('loadConfig: Akismet', () => {
  it("uses Akismet's own API unless AKISMET_API_URL says otherwise (https, or http on localhost)", () => {
    expect(loadConfig({}).akismetApiUrl).toBe('https://rest.akismet.com');
    expect(loadConfig({ AKISMET_API_URL: 'http://127.0.0.1:9000/' }).akismetApiUrl).toBe(
      'http://127.0.0.1:9000',
    );
    expect(problemsOf({ AKISMET_API_URL: 'http://akismet.example.com' })).toEqual([
      expect.stringContaining('AKISMET_API_URL'),
    ]);
  });
});

describe('loadConfig: OUTBOUND_ALLOW_PRIVATE', () => {
  it('allows no non-public address unless told, then the addresses and ranges listed, or all', () => {
    expect(loadConfig({}).outboundAllowPrivate).toEqual([]);
    expect(
      loadConfig({ OUTBOUND_ALLOW_PRIVATE: ' 127.0.0.1, 10.0.0.0/8,fd00::/8 ' }).outboundAllowPrivate,
    ).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    expect(loadConfig({ OUTBOUND_ALLOW_PRIVATE: 'all' }).outboundAllowPrivate).toBe('all');
    expect(loadConfig({ OUTBOUND_ALLOW_PRIVATE: 'true' }).outboundAllowPrivate).toBe('all');
    expect(problemsOf({ OUTBOUND_ALLOW_PRIVATE: 'localhost,10.0.0.0/33' })).toEqual([
      expect.stringContaining('"localhost"'),
      expect.stringContaining('"10.0.0.0/33"'),
    ]);
  });
});
