import { describe, expect, it } from 'vitest';
import {
  hashMosquittoPassword,
  mosquittoPasswordLine,
  verifyMosquittoPassword,
} from './mosquitto-password.js';

// That a real Mosquitto accepts these hashes is shown in test/integration/mqtt-access.test.ts.
describe('Mosquitto password hashes ($7$, PBKDF2-SHA512)', () => {
  it('writes $7$<iterations>$<base64 12-byte salt>$<base64 64-byte hash>', () => {
    const hash = hashMosquittoPassword('secret');
    const [, type, iterations, salt, digest] = hash.split('$');
    expect(type).toBe('7');
    expect(iterations).toBe('101');
    expect(Buffer.from(salt!, 'base64')).toHaveLength(12);
    expect(Buffer.from(digest!, 'base64')).toHaveLength(64);
    expect(digest).toMatch(/==$/);
  });

  it('matches a known vector written by mosquitto_passwd 2.0', () => {
    const stored =
      '$7$101$N/XGEHLDygnQ4xfb$p5IKb5r4HJoIMZFAywKT+l3dJw9OQ9LuIgl8x4ddsIK4ib+JRNhgh4Sv20Uoqi56eWE1VZ5pAogPeCr8hXakYA==';
    expect(verifyMosquittoPassword('secret', stored)).toBe(true);
    expect(verifyMosquittoPassword('Secret', stored)).toBe(false);
  });

  it('verifies its own hashes, salted so that the same password hashes differently', () => {
    const a = hashMosquittoPassword('pw');
    const b = hashMosquittoPassword('pw');
    expect(a).not.toBe(b);
    expect(verifyMosquittoPassword('pw', a)).toBe(true);
    expect(verifyMosquittoPassword(Buffer.from('pw'), b)).toBe(true);
    expect(verifyMosquittoPassword('pw ', a)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['the SHA512 type 6', '$6$abcd$efgh'],
    ['a short hash', '$7$101$N/XGEHLDygnQ4xfb$p5IK'],
    [
      'zero iterations',
      '$7$0$N/XGEHLDygnQ4xfb$p5IKb5r4HJoIMZFAywKT+l3dJw9OQ9LuIgl8x4ddsIK4ib+JRNhgh4Sv20Uoqi56eWE1VZ5pAogPeCr8hXakYA==',
    ],
  ])('never matches a malformed stored hash (%s)', (_, stored) => {
    expect(verifyMosquittoPassword('secret', stored)).toBe(false);
  });

  it('refuses a user name Mosquitto would split at its ":"', () => {
    expect(() => mosquittoPasswordLine('a:b', hashMosquittoPassword('x'))).toThrow(
      /cannot be a Mosquitto user name/,
    );
  });
});
