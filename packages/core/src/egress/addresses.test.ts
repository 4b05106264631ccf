import { describe, expect, it } from 'vitest';
import { checkAllowEntry, egressPolicy, isPublicAddress, mayConnect, PUBLIC_ONLY } from './addresses.js';

describe('isPublicAddress', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '100.63.255.255', // just below the shared range
    '100.128.0.0', // just above it
    '172.15.255.255', // around 172.16/12
    '172.32.0.0',
    '169.253.255.255', // around 169.254/16
    '11.0.0.0',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81c::200e',
    '::ffff:8.8.8.8', // an IPv4-mapped public address is that address
  ])('takes the public unicast address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['0.0.0.0', 'this network'],
    ['0.1.2.3', 'this network (0/8)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback (127/8)'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12'],
    ['192.168.0.1', 'private 192.168/16'],
    ['100.64.0.1', 'shared address space 100.64/10'],
    ['100.127.255.255', 'shared address space 100.64/10'],
    ['169.254.169.254', 'link-local: cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local (fe80::/10)'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local (fc00::/7)'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['2002:7f00:1::1', '6to4'],
    ['2001::1', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'discard'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    'localhost',
    'example.com',
    '',
    '127.1',
    '0177.0.0.1',
    '2130706433',
    '0x7f000001',
    '[::1]',
    '127.0.0.1:80',
    '::1%lo',
    '1.2.3.4.5',
  ])('is no address for %j, so not a public one', (value) => {
    expect(isPublicAddress(value)).toBe(false);
  });
});

describe('mayConnect under a policy', () => {
  it('reaches only public addresses by default', () => {
    expect(mayConnect('8.8.8.8', PUBLIC_ONLY)).toBe(true);
    expect(mayConnect('127.0.0.1', PUBLIC_ONLY)).toBe(false);
    expect(mayConnect('not an address', PUBLIC_ONLY)).toBe(false);
  });

  it('reaches the addresses and ranges the operator allows, and no others', () => {
    const policy = egressPolicy(['127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
    expect(mayConnect('127.0.0.1', policy)).toBe(true);
    expect(mayConnect('::ffff:127.0.0.1', policy)).toBe(true);
    expect(mayConnect('127.0.0.2', policy)).toBe(false);
    expect(mayConnect('10.1.200.3', policy)).toBe(true);
    expect(mayConnect('10.2.0.1', policy)).toBe(false);
    expect(mayConnect('fd12::1', policy)).toBe(true);
    expect(mayConnect('fc00::1', policy)).toBe(false);
    expect(mayConnect('::1', policy)).toBe(false);
    expect(mayConnect('169.254.169.254', policy)).toBe(false);
    expect(mayConnect('1.1.1.1', policy)).toBe(true);
  });

  it('takes an IPv4-mapped entry as its IPv4 range', () => {
    const policy = egressPolicy(['::ffff:192.168.1.0/120']);
    expect(mayConnect('192.168.1.77', policy)).toBe(true);
    expect(mayConnect('192.168.2.1', policy)).toBe(false);
  });

  it('reaches anything with all', () => {
    const policy = egressPolicy('all');
    for (const address of ['127.0.0.1', '::1', '169.254.169.254', '10.0.0.1', '8.8.8.8'])
      expect(mayConnect(address, policy)).toBe(true);
    expect(mayConnect('localhost', policy)).toBe(false);
  });
});

describe('checkAllowEntry', () => {
  it.each(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0'])('takes %s', (entry) => {
    expect(checkAllowEntry(entry)).toBeNull();
  });

  it.each(['localhost', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/8', '10.0.0/8', '10.0.0.0/x', ''])(
    'refuses %j',
    (entry) => {
      expect(checkAllowEntry(entry)).toMatch(/not an IP address or a CIDR range/);
    },
  );
});
