/**
 * What the WebSocket benchmark (bench/ws.ts, through WsClientPool in lib.ts)
 * and its client workers (bench/ws-client.ts) say to each other over IPC, and
 * the probe comments whose delivery the workers time. Kept apart so that
 * neither side loads the other's code.
 */

/** What the orchestrator asks; every request carries an id that its reply echoes. */
export type WorkerRequest = { id: number } & (
  | { type: 'clock' }
  /** Open one connection per entry, subscribed to that page; at most `inFlight` opening at once. */
  | { type: 'open'; pages: string[]; inFlight: number; timeoutMs: number }
  /** Every open connection subscribes to one more page. */
  | { type: 'subscribe'; pageId: string; inFlight: number; timeoutMs: number }
  /** Resolves once `expected` receipts of probe `serial` are in, or at the deadline: its receipt times. */
  | { type: 'await'; serial: number; expected: number; timeoutMs: number }
  /** Hands over (and forgets) the receipts of probes `from` ≤ serial < `to`. */
  | { type: 'collect'; from: number; to: number }
  | { type: 'stats' }
  /** Closes every open connection (code 1000) and stays up. */
  | { type: 'drop' }
  /** Closes every connection (code 1000) and exits. */
  | { type: 'close' }
);

export interface OpenReport {
  ok: number;
  failed: number;
  ms: number;
  /** A few failure reasons, with counts. */
  failures: Record<string, number>;
}

export interface WorkerStats {
  open: number;
  /** Messages received of any kind. */
  messages: number;
  /** Connections the server closed after they were open, by close code. */
  closedByServer: Record<string, number>;
  /** `error` notifications the server sent, by code. */
  errors: Record<string, number>;
  rssBytes: number;
  /** When each server ping arrived, wall clock. */
  pings: Float64Array;
}

export type WorkerReply = { id: number } & (
  | { type: 'clock'; now: number }
  | { type: 'opened'; report: OpenReport }
  | { type: 'awaited'; times: Float64Array }
  | { type: 'collected'; serials: Float64Array; times: Float64Array }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'dropped' }
  | { type: 'closed' }
);

/** The text a probe comment carries, so each receipt can be matched to its send time. */
export const probeContent = (serial: number) =>
  `Live update probe wsbench${serial}x from the WebSocket benchmark.`;

/** The marker a probe comment carries, as the bytes the workers search messages for. */
export const MARK = Buffer.from('wsbench');
