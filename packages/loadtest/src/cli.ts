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
  const result = await runLoadTest(options);
  await writeReports(result, options);
  return 0;
}
