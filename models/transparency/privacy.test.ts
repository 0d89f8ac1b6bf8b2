import { describe, expect, it } from 'vitest';
import { DRIVER_PSEUDONYM_PATTERN } from '../../core/index.js';
import { driverPseudonym } from './privacy.js';

describe('a driver pseudonym from a badge id', () => {
  it('is hex HMAC-SHA256 under the pseudonymisation key, cut to the units’ length (RFC 4231 test case 1)', () => {
    const key = Buffer.alloc(20, 0x0b);
    expect(driverPseudonym(key, 'Hi There')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(driverPseudonym(key, 'Hi There', 16)).toBe('b0344c61d8db3853');
    expect(driverPseudonym(key, 'badge-4711', 16)).toMatch(new RegExp(DRIVER_PSEUDONYM_PATTERN));
  });

  it('refuses a short key, a length the stream would refuse, and an empty badge, naming each', () => {
    expect(() => driverPseudonym(Buffer.alloc(8), 'b')).toThrow(/^key: /);
    expect(() => driverPseudonym(Buffer.alloc(20), 'b', 12)).toThrow(/^length: /);
    expect(() => driverPseudonym(Buffer.alloc(20), ' ')).toThrow(/^badge: /);
  });
});
