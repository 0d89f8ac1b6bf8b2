/**
 * Danish public holidays (helligdage) for a year, as UTC dates `YYYY-MM-DD`. Store Bededag was abolished from
 * 2024 (lov nr. 212 af 28/02/2023). Christmas Eve, New Year's Eve and Constitution Day are not public holidays
 * but most municipal buildings close; they are included as `closureDays`.
 */
export function danishPublicHolidays(year: number): string[] {
  const easter = easterSunday(year);
  const offset = (days: number) => iso(new Date(easter.getTime() + days * 86_400_000));
  const days = [
    `${year}-01-01`,
    offset(-3), // Skærtorsdag
    offset(-2), // Langfredag
    offset(0), // Påskedag
    offset(1), // 2. påskedag
    offset(39), // Kristi himmelfartsdag
    offset(49), // Pinsedag
    offset(50), // 2. pinsedag
    `${year}-12-25`,
    `${year}-12-26`,
  ];
  if (year < 2024) days.push(offset(26)); // Store Bededag
  return days.sort();
}

export function closureDays(year: number): string[] {
  return [...danishPublicHolidays(year), `${year}-06-05`, `${year}-12-24`, `${year}-12-31`].sort();
}

const cache = new Map<number, Set<string>>();

/** Whether the UTC date of `timeMs` is a Danish public holiday or a usual closure day. */
export function isDanishClosureDay(timeMs: number): boolean {
  const date = new Date(timeMs);
  const year = date.getUTCFullYear();
  let days = cache.get(year);
  if (!days) {
    days = new Set(closureDays(year));
    cache.set(year, days);
  }
  return days.has(iso(date));
}

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return new Date(Date.UTC(year, month - 1, day));
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}
