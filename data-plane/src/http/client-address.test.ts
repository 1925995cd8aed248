import { describe, expect, it } from 'vitest';
import { addressKey, createClientAddressReader, parseTrustedProxies } from './client-address.ts';

describe('addressKey', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6 (a dual-stack listener) and counts IPv6 per /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('the client address', () => {
  it('is the socket peer, and X-Forwarded-For is never read without trusted proxies', () => {
    const reader = createClientAddressReader([]);
    expect(reader.readsForwardedFor).toBe(false);
    expect(reader.resolve('198.51.100.9', '203.0.113.7')).toBe('198.51.100.9');
  });

  it('behind a trusted proxy is the rightmost X-Forwarded-For entry that is not a trusted proxy', () => {
    const reader = createClientAddressReader(['10.0.0.0/8', '::1']);
    expect(reader.readsForwardedFor).toBe(true);
    // The client wrote the first entry itself: a spoof that is never used.
    expect(reader.resolve('10.0.0.2', '1.1.1.1, 203.0.113.7')).toBe('203.0.113.7');
    expect(reader.resolve('10.0.0.2', '1.1.1.1, 203.0.113.7, 10.4.4.4')).toBe('203.0.113.7');
    expect(reader.resolve('0000:0000:0000:0000:0000:0000:0000:0001', '2001:db8::5')).toBe('2001:db8:0:0::/64');
    // No header: the proxy itself.
    expect(reader.resolve('10.0.0.2', '')).toBe('10.0.0.2');
    // Only trusted hops: the leftmost of them.
    expect(reader.resolve('10.0.0.2', '10.1.1.1, 10.2.2.2')).toBe('10.1.1.1');
    // Garbage left of trusted hops: the last address that was a trusted hop's.
    expect(reader.resolve('10.0.0.2', 'evil, 10.2.2.2')).toBe('10.2.2.2');
  });

  it('from a peer that is not a trusted proxy ignores X-Forwarded-For', () => {
    const reader = createClientAddressReader(['10.0.0.0/8']);
    expect(reader.resolve('198.51.100.9', '10.9.9.9')).toBe('198.51.100.9');
  });

  it('refuses a trusted proxy setting that is not addresses and ranges', () => {
    expect(parseTrustedProxies(undefined)).toEqual([]);
    expect(parseTrustedProxies(' 10.0.0.0/8 , ::1 ')).toEqual(['10.0.0.0/8', '::1']);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/x', '::1/129']) {
      expect(() => parseTrustedProxies(bad)).toThrow(/DATA_PLANE_TRUSTED_PROXIES/);
    }
  });
});
