import { NO_VERSION, type Bilingual, type ModelCard } from './model-card.js';

type PageLanguage = keyof Bilingual;

const DAYS_PER_YEAR = 365.25;
const DAYS_PER_MONTH = DAYS_PER_YEAR / 12;

type Noun = readonly [singular: string, plural: string];
const UNITS: Record<PageLanguage, Record<'year' | 'month' | 'day', Noun>> = {
  da: { year: ['år', 'år'], month: ['måned', 'måneder'], day: ['dag', 'dage'] },
  en: { year: ['year', 'years'], month: ['month', 'months'], day: ['day', 'days'] },
};

/** `1 resultat`, `2 resultater`: the noun in the number's grammatical number (0 takes the plural in both languages). */
export function counted(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/**
 * A retention period as people say it: whole years when the days are a whole number of years (1826 → 5 år, leap
 * days included), whole months from two months on (61 → 2 måneder), else days (30 → 30 dage, 90 → 90 dage).
 */
export function humanPeriod(days: number, lang: PageLanguage): string {
  const u = UNITS[lang];
  const years = Math.round(days / DAYS_PER_YEAR);
  if (years >= 1 && Math.abs(days - years * DAYS_PER_YEAR) <= 1) return counted(years, ...u.year);
  const months = Math.round(days / DAYS_PER_MONTH);
  if (months >= 2 && Math.abs(days - months * DAYS_PER_MONTH) <= 0.5) return counted(months, ...u.month);
  return counted(days, ...u.day);
}

const NO_VERSION_TEXT = {
  notTrained: { da: 'ingen model trænet endnu', en: 'not trained yet' },
  noOutput: { da: 'ingen version registreret endnu', en: 'no version recorded yet' },
} as const;

/** A card's version for people: the version itself, or what it means that there is none yet. */
export function versionText(card: Pick<ModelCard, 'version' | 'status'>, lang: PageLanguage): string {
  if (card.version !== NO_VERSION) return card.version;
  return NO_VERSION_TEXT[card.status === 'not-trained' ? 'notTrained' : 'noOutput'][lang];
}
