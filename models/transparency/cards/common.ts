import type { Bilingual, CardInput } from '../model-card.js';

/** Said on every card and page: greenops' models estimate; people decide. */
export const ESTIMATE_LABEL =
  'An estimate made by a model, labelled as such wherever greenops shows it; it supports a person’s decision and is never a decision about a person.';

export const PUBLIC_TASK: Bilingual = {
  da: 'Databeskyttelsesforordningen art. 6, stk. 1, litra e: en opgave i samfundets interesse (kommunens drift af bygninger, biler og veje).',
  en: 'GDPR Art. 6(1)(e): a task carried out in the public interest (the municipality operating its buildings, vehicles and roads).',
};

export const NO_PERSONAL_DATA: Bilingual = {
  da: 'Ingen personoplysninger (databeskyttelsesforordningen gælder ikke); kommunens egen drift.',
  en: 'No personal data (GDPR does not apply); the municipality’s own operation.',
};

/** The public-task basis followed by what is particular to one input, in both languages. */
export function publicTask(more: Bilingual): Bilingual {
  return { da: `${PUBLIC_TASK.da} ${more.da}`, en: `${PUBLIC_TASK.en} ${more.en}` };
}

export const NO_PEOPLE: Bilingual = {
  da: 'Ingen oplysninger om borgere: ingen navne, CPR-numre, billeder af personer eller lokationsdata om borgere.',
  en: 'No data about citizens: no names, CPR numbers, images of people or citizens’ locations.',
};

export const TEMPERATURE_INPUT: CardInput = {
  name: { da: 'udetemperatur', en: 'outdoor temperature' },
  description: 'Hourly outdoor temperature sent with the meter readings (°C).',
  personalData: false,
  legalBasis: NO_PERSONAL_DATA,
};

export const METER_INPUT: CardInput = {
  name: { da: 'målernes forbrug time for time', en: 'hourly meter readings' },
  description:
    'kWh per hour of the municipality’s electricity and district-heating meters (energy stream), with reset intervals left out.',
  personalData: false,
  legalBasis: NO_PERSONAL_DATA,
};

export const HOLIDAYS_INPUT: CardInput = {
  name: { da: 'danske helligdage', en: 'Danish public holidays' },
  description:
    'The Danish holiday calendar, computed (no data source); buildings in England and Wales can be given its bank holidays instead.',
  personalData: false,
  legalBasis: NO_PERSONAL_DATA,
};
