import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mosquitto 2's password-file hash (`mosquitto_passwd`, type 7): PBKDF2-HMAC-SHA512 over the password with a
 * random 12-byte salt, written as `$7$<iterations>$<base64 salt>$<base64 hash>` (standard base64 with padding,
 * a 64-byte hash). One stored hash therefore serves the embedded broker and Mosquitto's `password_file`.
 */
export const MOSQUITTO_HASH_TYPE = 7;
/**
 * mosquitto_passwd's default. Passwords we issue are 256-bit random, so key stretching adds nothing against
 * guessing; a low count keeps Mosquitto's CONNECT cheap.
 */
export const DEFAULT_PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
const FORMAT = /^\$7\$(\d{1,9})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export function hashMosquittoPassword(
  password: string,
  { iterations = DEFAULT_PBKDF2_ITERATIONS, salt = randomBytes(SALT_BYTES) } = {},
): string {
  const hash = pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512');
  return `$${MOSQUITTO_HASH_TYPE}$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches a `$7$…` hash; any other or malformed hash never matches. */
export function verifyMosquittoPassword(password: string | Buffer, stored: string): boolean {
  const match = FORMAT.exec(stored);
  if (!match) return false;
  const iterations = Number(match[1]);
  if (iterations < 1) return false;
  const expected = Buffer.from(match[3] as string, 'base64');
  if (expected.length !== HASH_BYTES) return false;
  const actual = pbkdf2Sync(
    password,
    Buffer.from(match[2] as string, 'base64'),
    iterations,
    HASH_BYTES,
    'sha512',
  );
  return timingSafeEqual(actual, expected);
}

/**
 * One line of a Mosquitto password file. Mosquitto splits the line at the first `:`, so a user name must not
 * contain one (nor a line break).
 */
export function mosquittoPasswordLine(username: string, hash: string): string {
  if (/[:\r\n]/.test(username) || username === '')
    throw new Error(`"${username}" cannot be a Mosquitto user name (no ":" or line breaks)`);
  return `${username}:${hash}`;
}
