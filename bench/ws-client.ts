/**
 * A WebSocket client worker for the WebSocket benchmark (bench/ws.ts): one child
 * process holding thousands of connections to the gateway, driven over IPC
 * (`advanced` serialization) by the orchestrator through WsClientPool in lib.ts.
 *
 * It opens connections a few at a time, subscribes each to its page, and for
 * every `new_comment` carrying a probe marker (`wsbench<serial>x`, see
 * probeContent in ws-protocol.ts) records the wall-clock time it arrived
 * (performance.timeOrigin + performance.now(), comparable across processes on
 * the machine). The time is taken first thing in the message handler, and the
 * marker is found with a byte search, so the client adds as little as it can
 * to the delivery latency it reports.
 *
 * Run as `node --import tsx bench/ws-client.ts <ws url> <origin>`; not by hand.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { MARK, type OpenReport, type WorkerReply, type WorkerRequest } from './ws-protocol.js';

const DIGIT_0 = 0x30;
const now = () => performance.timeOrigin + performance.now();

interface Conn {
  ws: WebSocket;
  /** Page id → settle function of a subscribe waiting for its `presence`. */
  waiting: Map<string, (outcome: string | null) => void>;
}

const [url, origin] = process.argv.slice(2);
if (!url || !origin || !process.send) {
  process.stderr.write('usage: node --import tsx bench/ws-client.ts <ws url> <origin> (as an IPC child)\n');
  process.exit(2);
}

const open = new Set<Conn>();
let messages = 0;
const closedByServer: Record<string, number> = {};
const errors: Record<string, number> = {};
let closing = false;
/** When each server ping arrived (the `ws` client answers them by itself). */
const pingTimes: number[] = [];

// Receipts of probes: parallel arrays, appended in the hot path.
let receiptSerials: number[] = [];
let receiptTimes: number[] = [];
/** Probe serial → receipts so far and who waits for them. */
const awaited = new Map<number, { expected: number; times: number[]; done: () => void }>();

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function onMessage(conn: Conn, data: Buffer) {
  const t = now();
  messages++;
  const at = data.indexOf(MARK);
  if (at >= 0) {
    let serial = 0;
    for (let i = at + MARK.length; i < data.length; i++) {
      const digit = data[i]! - DIGIT_0;
      if (digit < 0 || digit > 9) break;
      serial = serial * 10 + digit;
    }
    const waiter = awaited.get(serial);
    if (waiter) {
      waiter.times.push(t);
      if (waiter.times.length >= waiter.expected) waiter.done();
    } else {
      receiptSerials.push(serial);
      receiptTimes.push(t);
    }
    return;
  }
  // Control messages: presence answers a subscribe; error reports a refusal.
  let message: { method?: string; params?: { page_id?: string; code?: string } };
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    bump(errors, 'unparseable message');
    return;
  }
  if (message.method === 'presence' && message.params?.page_id) {
    conn.waiting.get(message.params.page_id)?.(null);
  } else if (message.method === 'error') {
    const code = message.params?.code ?? 'unknown';
    bump(errors, code);
    // A refused subscribe (limit, unavailable) fails every subscribe waiting on this connection.
    for (const settle of conn.waiting.values()) settle(`error ${code}`);
  }
}

/** Sends a subscribe and resolves with null once its presence arrives, or with why not. */
function subscribe(conn: Conn, pageId: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => settle('subscribe timed out'), timeoutMs);
    const settle = (outcome: string | null) => {
      clearTimeout(timer);
      conn.waiting.delete(pageId);
      resolve(outcome);
    };
    conn.waiting.set(pageId, settle);
    conn.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'subscribe', params: { page_id: pageId } }));
  });
}

/** Opens one connection and subscribes it to `pageId`: null when done, else the reason it failed. */
function connect(pageId: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url!, {
      origin,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      skipUTF8Validation: true,
    });
    const conn: Conn = { ws, waiting: new Map() };
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      ws.terminate();
      resolve(reason);
    };
    ws.on('message', (data: Buffer) => onMessage(conn, data));
    ws.on('ping', () => pingTimes.push(now()));
    ws.on('unexpected-response', (_request, response) => fail(`HTTP ${response.statusCode}`));
    ws.on('error', (error: Error & { code?: string }) => fail(error.code ?? error.message.slice(0, 60)));
    ws.on('close', (code) => {
      const wasOpen = open.delete(conn);
      if (wasOpen && !closing) bump(closedByServer, String(code));
      for (const settle of conn.waiting.values()) settle(`closed ${code}`);
      fail(`closed ${code} while opening`);
    });
    ws.on('open', () => {
      void subscribe(conn, pageId, timeoutMs).then((outcome) => {
        if (settled) return;
        if (outcome !== null) return fail(outcome);
        settled = true;
        open.add(conn);
        resolve(null);
      });
    });
  });
}

/** Runs `work` over items with at most `inFlight` at once; tallies failures. */
async function paced<T>(
  items: T[],
  inFlight: number,
  work: (item: T) => Promise<string | null>,
): Promise<OpenReport> {
  const started = performance.now();
  const report: OpenReport = { ok: 0, failed: 0, ms: 0, failures: {} };
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const outcome = await work(items[next++]!);
      if (outcome === null) report.ok++;
      else {
        report.failed++;
        bump(report.failures, outcome);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
  report.ms = performance.now() - started;
  return report;
}

function awaitProbe(serial: number, expected: number, timeoutMs: number): Promise<Float64Array> {
  // Receipts that came before the request count too.
  const early: number[] = [];
  const keepSerials: number[] = [];
  const keepTimes: number[] = [];
  for (let i = 0; i < receiptSerials.length; i++) {
    if (receiptSerials[i] === serial) early.push(receiptTimes[i]!);
    else {
      keepSerials.push(receiptSerials[i]!);
      keepTimes.push(receiptTimes[i]!);
    }
  }
  receiptSerials = keepSerials;
  receiptTimes = keepTimes;
  return new Promise((resolve) => {
    const entry = { expected, times: early, done: () => {} };
    const timer = setTimeout(() => entry.done(), timeoutMs);
    entry.done = () => {
      clearTimeout(timer);
      awaited.delete(serial);
      resolve(Float64Array.from(entry.times));
    };
    awaited.set(serial, entry);
    if (early.length >= expected) entry.done();
  });
}

function collect(from: number, to: number): { serials: Float64Array; times: Float64Array } {
  const serials: number[] = [];
  const times: number[] = [];
  const keepSerials: number[] = [];
  const keepTimes: number[] = [];
  for (let i = 0; i < receiptSerials.length; i++) {
    const serial = receiptSerials[i]!;
    if (serial >= from && serial < to) {
      serials.push(serial);
      times.push(receiptTimes[i]!);
    } else {
      keepSerials.push(serial);
      keepTimes.push(receiptTimes[i]!);
    }
  }
  receiptSerials = keepSerials;
  receiptTimes = keepTimes;
  return { serials: Float64Array.from(serials), times: Float64Array.from(times) };
}

/** Closes every open connection; until `closing` is reset, closes are ours, not the server's. */
async function closeAll(): Promise<void> {
  closing = true;
  const all = [...open];
  await Promise.all(
    all.map(
      (conn) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            conn.ws.terminate();
            resolve();
          }, 2000);
          conn.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          conn.ws.close(1000, 'bench done');
        }),
    ),
  );
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  const { id } = request;
  switch (request.type) {
    case 'clock':
      return { id, type: 'clock', now: now() };
    case 'open': {
      const report = await paced(request.pages, request.inFlight, (page) => connect(page, request.timeoutMs));
      return { id, type: 'opened', report };
    }
    case 'subscribe': {
      const report = await paced([...open], request.inFlight, (conn) =>
        subscribe(conn, request.pageId, request.timeoutMs),
      );
      return { id, type: 'opened', report };
    }
    case 'await':
      return {
        id,
        type: 'awaited',
        times: await awaitProbe(request.serial, request.expected, request.timeoutMs),
      };
    case 'collect':
      return { id, type: 'collected', ...collect(request.from, request.to) };
    case 'stats':
      return {
        id,
        type: 'stats',
        stats: {
          open: open.size,
          messages,
          closedByServer,
          errors,
          rssBytes: process.memoryUsage.rss(),
          pings: Float64Array.from(pingTimes),
        },
      };
    case 'drop':
      await closeAll();
      closing = false;
      return { id, type: 'dropped' };
    case 'close':
      await closeAll();
      return { id, type: 'closed' };
  }
}

process.on('message', (request: WorkerRequest) => {
  void handle(request).then((reply) => {
    process.send!(reply, undefined, undefined, () => {
      if (reply.type === 'closed') process.exit(0);
    });
  });
});
// The orchestrator gone (crashed or killed): nothing left to do.
process.on('disconnect', () => process.exit(0));
process.send({ id: 0, type: 'clock', now: now() } satisfies WorkerReply);
