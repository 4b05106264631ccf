import net from 'node:net';

/**
 * A one-shot RESP client: connect, send one command, read one reply, close.
 *
 * Why not ioredis: the harness polls servers that may not be up yet, and ioredis
 * would reconnect in the background and log errors. A raw socket fails fast and
 * leaves nothing behind. Only simple strings, errors, integers and bulk strings
 * are understood, which is all the harness needs (PING, CLUSTER INFO).
 */
export function sendCommand(host: string, port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffer = Buffer.alloc(0);
    const done = (error: Error | null, reply?: string) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? '');
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`timeout waiting for ${args[0]} on ${host}:${port}`)));
    socket.on('error', (error) => done(error));
    socket.on('close', () => done(new Error(`connection to ${host}:${port} closed before a reply`)));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const reply = parseReply(buffer);
      if (reply === undefined) return;
      if (reply.startsWith('-')) done(new Error(reply.slice(1)));
      else done(null, reply);
    });
    socket.write(encode(args));
  });
}

/** True when the server answers PING with PONG (not LOADING, not refused). */
export async function ping(host: string, port: number): Promise<boolean> {
  try {
    return (await sendCommand(host, port, ['PING'], 500)) === 'PONG';
  } catch {
    return false;
  }
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Returns the reply (errors keep their leading '-'), or undefined while incomplete. */
function parseReply(buffer: Buffer): string | undefined {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[0]!);
  const line = buffer.toString('utf8', 1, lineEnd);
  if (type === '+' || type === ':') return line;
  if (type === '-') return `-${line}`;
  if (type === '$') {
    const length = Number(line);
    if (length < 0) return '';
    const start = lineEnd + 2;
    if (buffer.length < start + length + 2) return undefined;
    return buffer.toString('utf8', start, start + length);
  }
  return `-unsupported reply type ${type}`;
}
