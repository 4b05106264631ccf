import { mayConnect } from '@threadkit/core';
import { describe, expect, it } from 'vitest';
import { privateTargetsPolicy } from './webhooks.js';

describe('where a site that allows private webhook targets may send', () => {
  it('anywhere on a standalone server: its owner runs it', () => {
    const policy = privateTargetsPolicy({ mode: 'standalone', outboundAllowPrivate: [] });
    for (const address of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1'])
      expect(mayConnect(address, policy)).toBe(true);
  });

  it("in SaaS mode, only to the operator's OUTBOUND_ALLOW_PRIVATE ranges", () => {
    const none = privateTargetsPolicy({ mode: 'saas', outboundAllowPrivate: [] });
    for (const address of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1'])
      expect(mayConnect(address, none)).toBe(false);
    const some = privateTargetsPolicy({ mode: 'saas', outboundAllowPrivate: ['10.1.0.0/16'] });
    expect(mayConnect('10.1.2.3', some)).toBe(true);
    expect(mayConnect('10.2.0.1', some)).toBe(false);
    expect(mayConnect('169.254.169.254', some)).toBe(false);
    expect(mayConnect('93.184.215.14', some)).toBe(true);
  });
});
