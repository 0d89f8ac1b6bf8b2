import { createHash, createHmac } from 'node:crypto';
import { DRIVER_PSEUDONYM_PATTERN, GreenopsError, pointTimeNs, type Point } from '../../core/index.js';
import type { DeadLetter, DeadLetterStore, PersonalDataStore } from '../../store/index.js';

/** Samples read per page of an export. */
const EXPORT_PAGE = 5000;

export function checkDriverPseudonym(driver: string): void {
  if (!new RegExp(DRIVER_PSEUDONYM_PATTERN).test(driver))
    throw new GreenopsError(
      'BAD_REQUEST',
      `driver: "${driver}" is not a driver pseudonym (16–64 lower-case hex characters)`,
      {
        field: 'driver',
      },
    );
}

/**
 * The pseudonym a vehicle unit computes for a driver's badge (or employee) id under the documented scheme: hex
 * HMAC-SHA256 keyed with the fleet's pseudonymisation key, its first `length` characters (16–64). greenops never
 * holds the key (GDPR Art. 4(5): the additional information is kept separately); the DPO brings it to a request.
 */
export function driverPseudonym(key: Uint8Array, badge: string, length = 64): string {
  if (!Number.isInteger(length) || length < 16 || length > 64)
    throw new GreenopsError('BAD_REQUEST', `length: must be a whole number from 16 to 64, got ${length}`, {
      field: 'length',
    });
  if (key.byteLength < 16)
    throw new GreenopsError('BAD_REQUEST', 'key: the pseudonymisation key must be at least 16 bytes', {
      field: 'key',
    });
  if (badge.trim() === '')
    throw new GreenopsError('BAD_REQUEST', 'badge: must not be empty', { field: 'badge' });
  return createHmac('sha256', key).update(badge).digest('hex').slice(0, length);
}

/**
 * What the audit trail keeps of a driver request: a SHA-256 of the pseudonym, so the trail proves the request was
 * made and done without keeping the pseudonym that an erasure removes.
 */
export function pseudonymDigest(driver: string): string {
  return `sha256:${createHash('sha256').update(driver).digest('hex').slice(0, 32)}`;
}

/** Every fleet sample carrying the driver's pseudonym (GDPR Art. 15, 20), page by page, oldest first. */
export async function* driverSamples(
  personal: PersonalDataStore,
  tenant: string,
  driver: string,
): AsyncGenerator<Point[]> {
  checkDriverPseudonym(driver);
  let afterNs: string | undefined;
  for (;;) {
    const page = await personal.pointsWithField(
      { measurement: 'fleet', tenant, field: 'driver', value: driver },
      { limit: EXPORT_PAGE, ...(afterNs === undefined ? {} : { afterNs }) },
    );
    if (page.length === 0) return;
    yield page;
    afterNs = pointTimeNs(page.at(-1) as Point);
  }
}

/**
 * Erases the driver's samples (GDPR Art. 17): the whole fleet points carrying the pseudonym — position, speed and
 * the pseudonym — since a position while driving is data about the driver. Returns how many.
 */
export async function eraseDriver(
  personal: PersonalDataStore,
  tenant: string,
  driver: string,
): Promise<number> {
  checkDriverPseudonym(driver);
  return personal.deletePointsWithField({ measurement: 'fleet', tenant, field: 'driver', value: driver });
}

/** Dead letters read per page while looking for a pseudonym. */
const DEAD_LETTER_PAGE = 500;

/**
 * Whether a refused message's stored payload holds the pseudonym. Byte for byte, case-insensitively (a pseudonym
 * refused for its upper-case letters is still the driver's), whatever the payload's encoding of text.
 */
function holds(letter: DeadLetter, driver: string): boolean {
  return Buffer.from(letter.payload).toString('latin1').toLowerCase().includes(driver);
}

/**
 * Refused messages that hold the driver's pseudonym (GDPR Art. 15, 17): dead letters keep raw payloads for their
 * retention period (30 days by default), and a refused fleet record can carry `driverId`. Those of the tenant and
 * those whose topic named no tenant (which cannot be told apart), page by page, newest first.
 */
export async function* driverDeadLetters(
  deadLetters: DeadLetterStore,
  tenant: string,
  driver: string,
): AsyncGenerator<DeadLetter[]> {
  checkDriverPseudonym(driver);
  let before: number | undefined;
  for (;;) {
    const page = await deadLetters.list({
      limit: DEAD_LETTER_PAGE,
      ...(before === undefined ? {} : { before }),
    });
    const found = page.items.filter((d) => (d.tenant === tenant || d.tenant === null) && holds(d, driver));
    if (found.length > 0) yield found;
    if (page.nextBefore === null) return;
    before = page.nextBefore;
  }
}

/** Deletes the refused messages that hold the driver's pseudonym (see driverDeadLetters); returns how many. */
export async function eraseDriverDeadLetters(
  deadLetters: DeadLetterStore,
  tenant: string,
  driver: string,
): Promise<number> {
  // Found first, deleted after: deleting while paging would move the cursor under the scan.
  const ids: number[] = [];
  for await (const page of driverDeadLetters(deadLetters, tenant, driver)) ids.push(...page.map((d) => d.id));
  await deadLetters.delete(ids);
  return ids.length;
}
