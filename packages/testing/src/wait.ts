/**
 * Polls `probe` until `check` holds and returns the value that passed; fails
 * after `ms` with the last value seen. Tests wait on conditions, never on a
 * fixed duration.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await probe();
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${describe(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function describe(value: unknown): string {
  if (value && typeof value === 'object' && 'statusCode' in value && 'body' in value) {
    return `${value.statusCode} ${String(value.body).slice(0, 300)}`;
  }
  return JSON.stringify(value)?.slice(0, 300) ?? String(value);
}
