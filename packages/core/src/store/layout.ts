import { keys, LAYOUT_VERSION } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';

/** Set while `threadkit migrate` runs (or was interrupted): the data is half moved. */
export const MIGRATING_KEY = 'tk:migrating';

/** Keys only layout 1 wrote: every layout-1 Redis has at least one of them. */
const LAYOUT_1_MARKERS = ['threadkit:standalone_site', 'threadkit:jwt_secret'];

export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

/** The layout this Redis holds: its recorded version, 1 for data from before versions were recorded, null when empty. */
export async function storedLayout(redis: RedisClient): Promise<number | null> {
  if ((await redis.exists(MIGRATING_KEY).catch(translateRedisError)) === 1) return 1;
  const recorded = await redis.get(keys.layout()).catch(translateRedisError);
  if (recorded !== null) return Number(recorded);
  // Separate calls: on a cluster the markers live in different slots.
  for (const marker of LAYOUT_1_MARKERS) {
    if ((await redis.exists(marker).catch(translateRedisError)) === 1) return 1;
  }
  return null;
}

/**
 * Refuses a Redis whose data this code cannot read, and records the layout
 * in an empty one. Every process that opens the data calls it first.
 */
export async function checkLayout(redis: RedisClient): Promise<void> {
  const layout = await storedLayout(redis);
  if (layout === null) {
    await redis.set(keys.layout(), LAYOUT_VERSION, 'NX').catch(translateRedisError);
    return checkLayout(redis);
  }
  if (layout === LAYOUT_VERSION) return;
  if (layout < LAYOUT_VERSION) {
    throw new LayoutError(
      `This Redis holds ThreadKit data in layout ${layout}; this version reads layout ${LAYOUT_VERSION}. ` +
        'Stop every ThreadKit instance, back up Redis, then run `threadkit migrate` ' +
        '(again, if a migration was interrupted: it carries on where it stopped).',
    );
  }
  throw new LayoutError(
    `This Redis holds ThreadKit data in layout ${layout}, newer than this version reads (${LAYOUT_VERSION}): ` +
      'run the ThreadKit version that wrote it, or a later one.',
  );
}
