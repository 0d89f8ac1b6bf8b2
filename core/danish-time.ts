/** EU summer time (CEST): from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. */
export function isDanishSummerTime(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  const lastSunday = (month: number) => {
    const d = new Date(Date.UTC(year, month + 1, 0, 1));
    d.setUTCDate(d.getUTCDate() - d.getUTCDay());
    return d.getTime();
  };
  return ms >= lastSunday(2) && ms < lastSunday(9);
}

/** Danish local time of an instant: hour of day (with minutes as a fraction) and ISO weekday (1 = Monday). */
export function danishLocalTime(ms: number): { hour: number; weekday: number } {
  const local = new Date(ms + (isDanishSummerTime(ms) ? 2 : 1) * 3_600_000);
  return {
    hour: local.getUTCHours() + local.getUTCMinutes() / 60,
    weekday: ((local.getUTCDay() + 6) % 7) + 1,
  };
}
