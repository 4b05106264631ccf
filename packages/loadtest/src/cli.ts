import { parseOptions, USAGE, UsageError } from './options.js';
import { writeReports } from './report.js';
import { runLoadTest } from './run.js';

/** `threadkit-loadtest …` and `threadkit loadtest …`: runs one scenario; the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv, Boolean(process.stderr.isTTY));
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // A first Ctrl-C ends the run early and still reports it; a second one stops at once.
  const stop = new AbortController();
  const interrupt = () => {
    process.stderr.write('\nStopping: waiting for the operations in flight, then reporting.\n');
    stop.abort();
  };
  process.once('SIGINT', interrupt);
  try {
    const result = await runLoadTest(options, stop.signal);
    await writeReports(result, options);
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  return 0;
}
