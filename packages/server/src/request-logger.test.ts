import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { requestLogger } from './request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('request logger', () => {
  it('writes what the level lets through with the request id, and makes no child for the rest', () => {
    const { logger, lines } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = requestLogger(logger, { reqId: 'req-7' }, {});

    log.info({ url: '/v1/comments' }, 'incoming request');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);

    log.warn({ code: 'unavailable' }, 'storage is unreachable');
    log.error(new Error('boom'));
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => [line.level, line.reqId, line.msg])).toEqual([
      [40, 'req-7', 'storage is unreachable'],
      [50, 'req-7', 'boom'],
    ]);
    expect(lines[0]!.code).toBe('unavailable');
  });

  it('follows a level set on it, and a route level makes a real child at once', () => {
    const { logger, lines } = capture('warn');
    const log = requestLogger(logger, { reqId: 'req-8' }, {});
    expect(log.level).toBe('warn');
    log.level = 'debug';
    log.debug('now shown');
    expect(lines.map((line) => line.msg)).toEqual(['now shown']);
    expect(logger.level).toBe('warn');

    const route = requestLogger(logger, { reqId: 'req-9' }, { level: 'info' });
    route.info('route level');
    expect(lines.at(-1)).toMatchObject({ reqId: 'req-9', msg: 'route level' });
  });

  it('hands out children that keep the request id', () => {
    const { logger, lines } = capture('info');
    requestLogger(logger, { reqId: 'req-10' }, {}).child({ step: 'read' }).info('nested');
    expect(lines).toEqual([expect.objectContaining({ reqId: 'req-10', step: 'read', msg: 'nested' })]);
  });
});
