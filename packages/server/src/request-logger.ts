import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

type Method = (...args: unknown[]) => void;

/**
 * Fastify's `childLoggerFactory`: a lazy child, unless the route sets a level of
 * its own (`logLevel`), which only a real child applies.
 */
export function requestLogger(
  parent: Logger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return options.level === undefined
    ? new RequestLogger(parent, bindings, options)
    : parent.child(bindings, options);
}

/**
 * The logger Fastify gives each request (`request.log`): pino's child with the
 * request id, made on the first line that the level lets through. Making a pino
 * child copies the logger and serialises its bindings, which for a cached read
 * that logs nothing at `warn` was several per cent of its CPU.
 */
class RequestLogger implements FastifyBaseLogger {
  private made: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private logger(): Logger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  private write(level: Level, args: unknown[]): void {
    const logger = this.made ?? (this.parent.isLevelEnabled(level) ? this.logger() : null);
    if (logger) (logger[level] as Method).apply(logger, args);
  }
}
