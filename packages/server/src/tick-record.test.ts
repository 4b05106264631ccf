import { describe, expect, it } from 'vitest';
import { keepTickRecord } from './tick-record.js';

describe('the nextTick record kept alive', () => {
  it("is one of Node's tick records, and stays the same one", async () => {
    const record = await keepTickRecord();
    // A tick record holds the callback and its arguments; no other resource does.
    expect(Object.keys(record)).toEqual(['callback', 'args']);
    expect(typeof (record as { callback: unknown }).callback).toBe('function');
    expect(await keepTickRecord()).toBe(record);
  });
});
