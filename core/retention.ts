/**
 * Retention per stream and per identifying field: the one place the periods and their purposes are set (GDPR
 * Art. 5(1)(c) data minimisation, 5(1)(e) storage limitation). A rule on a stream deletes its whole points; a rule on
 * `stream.field` clears that identifier and keeps the rest of each point. Raw vehicle positions, driver pseudonyms
 * and image references are kept shortest. Overridden with GREENOPS_RETENTION (`fleet=60,fleet.driver=14`, days).
 */
export interface RetentionRule {
  /** `fleet` (the stream's measurement) or `fleet.driver` (one identifying string field of it). */
  key: RetentionKey;
  measurement: string;
  field: string | undefined;
  days: number;
  /** Why the data is kept that long, stated in the README and on the transparency page (Danish first). */
  purpose: { da: string; en: string };
  personalData: boolean;
}

export const RETENTION_KEYS = [
  'fleet',
  'fleet.driver',
  'road',
  'road.image_ref',
  'dead-letters',
  'traffic',
  'energy',
] as const;
export type RetentionKey = (typeof RETENTION_KEYS)[number];

export const DEFAULT_RETENTION: Readonly<
  Record<RetentionKey, Omit<RetentionRule, 'key' | 'days'> & { days: number }>
> = {
  'fleet.driver': {
    measurement: 'fleet',
    field: 'driver',
    days: 30,
    purpose: {
      da: 'En chauffør kan se og gøre indsigelse mod sine egne ture (kørebog, brændstofkort) i en måned; derefter er turene anonyme.',
      en: 'Lets a driver see and dispute their own trips (driving log, fuel card) for a month; then trips stay anonymous.',
    },
    personalData: true,
  },
  'road.image_ref': {
    measurement: 'road',
    field: 'image_ref',
    days: 30,
    purpose: {
      da: 'En vejinspektør kontrollerer en registrering mod billedet inden for en måned.',
      en: 'A road inspector checks a detection against its frame within a month.',
    },
    personalData: true,
  },
  fleet: {
    measurement: 'fleet',
    field: undefined,
    days: 90,
    purpose: {
      da: 'Analyser af ture, tomgang og opladning i det seneste kvartal; en bils position kan pege på den, der kører den.',
      en: 'Trip, idling and charging analyses of the last quarter; a vehicle’s position can point to the person driving it.',
    },
    personalData: true,
  },
  'dead-letters': {
    measurement: 'dead_letters',
    field: undefined,
    days: 30,
    purpose: {
      da: 'En måned til at rette årsagen og indlæse dem igen; en afvist kørselsregistrering kan rumme et chaufførpseudonym.',
      en: 'A month to fix the cause and replay it; a refused fleet record can hold a driver pseudonym.',
    },
    personalData: true,
  },
  road: {
    measurement: 'road',
    field: undefined,
    days: 1826,
    purpose: {
      da: 'Fem års historik til planlægning af vedligeholdelse.',
      en: 'Five years of asset-management history for maintenance planning.',
    },
    personalData: false,
  },
  traffic: {
    measurement: 'traffic',
    field: undefined,
    days: 3653,
    purpose: {
      da: 'Ti års udvikling i årsdøgntrafikken til vejplanlægning (ingen personoplysninger).',
      en: 'Ten years of ÅDT trends for road planning (no personal data).',
    },
    personalData: false,
  },
  energy: {
    measurement: 'energy',
    field: undefined,
    days: 3653,
    purpose: {
      da: 'Ti år, fordi besparelser eftervises mod tidligere års forbrug (IPMVP); ingen personoplysninger.',
      en: 'Ten years, since savings are verified against baselines of earlier years (IPMVP); no personal data.',
    },
    personalData: false,
  },
};

/** The effective rules: the defaults with the configured days (`overrides`) on top, shortest first. */
export function retentionRules(overrides: Partial<Record<RetentionKey, number>> = {}): RetentionRule[] {
  return RETENTION_KEYS.map((key) => ({
    key,
    ...DEFAULT_RETENTION[key],
    days: overrides[key] ?? DEFAULT_RETENTION[key].days,
  })).sort((a, b) => a.days - b.days);
}

export function isRetentionKey(text: string): text is RetentionKey {
  return (RETENTION_KEYS as readonly string[]).includes(text);
}
