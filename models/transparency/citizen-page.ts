import type { RetentionRule } from '../../core/index.js';
import { isEmailAddress } from '../../core/index.js';
import type { ModelCard } from './model-card.js';
import { counted, humanPeriod, versionText } from './wording.js';

export type PageLanguage = 'da' | 'en';

const TEXT = {
  da: {
    title: 'Sådan bruger kommunen algoritmer i drift af bygninger, biler og veje',
    intro:
      'Kommunen bruger greenops til at måle og forudsige energiforbrug, beregne CO₂ fra indkøb og følge trafik og vejenes tilstand. Her kan du se, hvad hver model gør, hvilke data den bruger og ikke bruger, hvem der træffer beslutningerne, og hvordan du kan spørge eller klage.',
    skip: 'Spring til indholdet',
    other: 'English',
    otherHref: '/transparency/en',
    models: 'Modellerne',
    what: 'Hvad den gør',
    uses: 'Data den bruger',
    notUses: 'Data den ikke bruger',
    decides: 'Hvem beslutter',
    estimate:
      'Resultaterne er estimater fra en model og er markeret som sådan. De er aldrig en afgørelse om dig.',
    status: 'Status',
    version: 'Version',
    personal: 'personoplysning',
    checked: (c: number, o: number) =>
      `${counted(c, 'resultat', 'resultater')} er kontrolleret af en medarbejder; ${o} blev ændret.`,
    energy: 'Modellens eget energiforbrug',
    training: (energy: string) => `Seneste træning: ${energy}.`,
    noTraining: 'Ingen træning målt endnu.',
    fixedMethod: 'Ingen træning: en fast beregningsmetode, som ikke trænes.',
    supplier: 'Modellen trænes af leverandøren, ikke af kommunen; den træning måles ikke her.',
    trainedOn: 'trænet',
    retention: 'Hvor længe vi gemmer data',
    retentionIntro:
      'Data slettes automatisk, når perioden er gået (databeskyttelsesforordningen art. 5, stk. 1, litra c og e).',
    what2: 'Data',
    days: 'Periode',
    why: 'Formål',
    rights: 'Dine rettigheder, spørgsmål og klager',
    rightsText:
      'Chauffører i kommunens biler registreres kun med et pseudonym, aldrig med navn. Du kan få indsigt i eller sletning af data om dig (art. 15 og 17).',
    contact: 'Kontakt:',
    complain: 'Du kan også klage til Datatilsynet, www.datatilsynet.dk.',
    generated: 'Siden er lavet ud fra modelkortene',
    statusNames: {
      'in-use': 'i drift',
      pilot: 'afprøvning',
      'not-trained': 'ikke trænet endnu',
      retired: 'afsluttet',
    },
  },
  en: {
    title: 'How the municipality uses algorithms to run buildings, vehicles and roads',
    intro:
      'The municipality uses greenops to measure and forecast energy use, estimate the CO₂ of purchases and follow traffic and road condition. Here you can see what each model does, which data it uses and does not use, who makes the decisions, and how to ask or complain.',
    skip: 'Skip to content',
    other: 'Dansk',
    otherHref: '/transparency',
    models: 'The models',
    what: 'What it does',
    uses: 'Data it uses',
    notUses: 'Data it does not use',
    decides: 'Who decides',
    estimate:
      'Results are estimates made by a model and are labelled as such. They are never a decision about you.',
    status: 'Status',
    version: 'Version',
    personal: 'personal data',
    checked: (c: number, o: number) =>
      `${counted(c, 'result was', 'results were')} checked by a member of staff; ${o} ${o === 1 ? 'was' : 'were'} changed.`,
    energy: 'The model’s own energy use',
    training: (energy: string) => `Latest training: ${energy}.`,
    noTraining: 'No training measured yet.',
    fixedMethod: 'No training: a fixed calculation method that is not trained.',
    supplier:
      'The model is trained by its supplier, not by the municipality; that training is not measured here.',
    trainedOn: 'trained',
    retention: 'How long we keep data',
    retentionIntro: 'Data are deleted automatically when the period has passed (GDPR Art. 5(1)(c) and (e)).',
    what2: 'Data',
    days: 'Period',
    why: 'Purpose',
    rights: 'Your rights, questions and complaints',
    rightsText:
      'Drivers of municipal vehicles are recorded only under a pseudonym, never by name. You may ask for access to or erasure of data about you (Art. 15 and 17).',
    contact: 'Contact:',
    complain: 'You may also complain to the Danish Data Protection Agency, www.datatilsynet.dk.',
    generated: 'This page is generated from the model cards',
    statusNames: { 'in-use': 'in use', pilot: 'pilot', 'not-trained': 'not trained yet', retired: 'retired' },
  },
} as const;

/**
 * Energy and CO₂e as people read them: Wh and g below 1 kWh and 1 kg, two significant digits, the decimal comma in
 * Danish ("0,32 Wh, 0,04 g CO₂e").
 */
export function energyFigures(kwh: number, co2eKg: number, lang: PageLanguage): string {
  const f = new Intl.NumberFormat(lang === 'da' ? 'da-DK' : 'en-GB', { maximumSignificantDigits: 2 });
  const energy = kwh >= 1 ? `${f.format(kwh)} kWh` : `${f.format(kwh * 1000)} Wh`;
  const co2 = co2eKg >= 1 ? `${f.format(co2eKg)} kg` : `${f.format(co2eKg * 1000)} g`;
  return `${energy}, ${co2} CO₂e`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const RETENTION_NAMES: Record<string, { da: string; en: string }> = {
  'fleet.driver': { da: 'Chaufførpseudonymer', en: 'Driver pseudonyms' },
  'road.image_ref': {
    da: 'Henvisninger til anonymiserede vejbilleder',
    en: 'References to anonymised road frames',
  },
  fleet: { da: 'Køretøjers positioner og målinger', en: 'Vehicle positions and readings' },
  road: { da: 'Registrerede vejskader', en: 'Detected road damage' },
  'dead-letters': { da: 'Afviste data (til fejlretning)', en: 'Refused input (for fixing faults)' },
  traffic: { da: 'Trafiktællinger', en: 'Traffic counts' },
  energy: { da: 'Målerdata fra bygninger', en: 'Building meter readings' },
};

/**
 * The citizen transparency page, server-rendered without scripts: one language per page with a link to the other
 * (`hreflang`), landmarks, a skip link, one h1 and ordered headings, tables with header cells and captions, text
 * and focus colours above WCAG 2.1 AA contrast (4.5:1), and the AI Act Art. 50 notice that results are estimates.
 */
export function citizenPage(options: {
  lang: PageLanguage;
  cards: readonly ModelCard[];
  /** TransparencyService.organisationFor: the same name the register exports use. */
  organisation: string;
  /** An e-mail address or a URL (validated at start-up); undefined: no contact is shown (start-up warns). */
  contact: string | undefined;
  /** The tenant named in the request (`?tenant=`), kept on the links to the other language. */
  tenantParam?: string | undefined;
  retention: readonly RetentionRule[];
  generatedAt: string;
}): string {
  const t = TEXT[options.lang];
  const l = options.lang;
  const e = escapeHtml;
  const org = options.organisation;
  const contact = options.contact;
  // No placeholder for an unset contact (start-up refuses a description as a contact, and warns when it is unset).
  const contactHtml =
    contact === undefined
      ? ''
      : ` ${t.contact} <a href="${e(isEmailAddress(contact) ? `mailto:${contact}` : contact)}">${e(contact)}</a>.`;
  const otherHref = e(
    options.tenantParam === undefined
      ? t.otherHref
      : `${t.otherHref}?tenant=${encodeURIComponent(options.tenantParam)}`,
  );
  const models = options.cards
    .map((c) => {
      const o = c.humanOversight.oversight;
      const training = c.energy?.training;
      // An untrained model's status says so already; a version row would repeat it. A trained version (a hash, a
      // number) shows when it was trained.
      const trainedAt = c.aiAct.class === 'not-ai' ? undefined : (training?.at ?? c.training.period?.until);
      const shownVersion = `${versionText(c, l)}${trainedAt ? ` (${t.trainedOn} ${trainedAt.slice(0, 10)})` : ''}`;
      const versionRow =
        c.status === 'not-trained' ? '' : `\n        <dt>${t.version}</dt><dd>${e(shownVersion)}</dd>`;
      const energyText = training
        ? e(t.training(energyFigures(training.kwh, training.co2eKg, l)))
        : c.id === 'road-damage-detector'
          ? e(t.supplier)
          : c.aiAct.class === 'not-ai'
            ? e(t.fixedMethod)
            : t.noTraining;
      return `
    <section aria-labelledby="${e(c.id)}" class="model">
      <h3 id="${e(c.id)}">${e(c.name[l])}</h3>
      <p>${e(c.summary[l])}</p>
      <dl>
        <dt>${t.status}</dt><dd>${e(t.statusNames[c.status])}</dd>${versionRow}
      </dl>
      <h4>${t.what}</h4>
      <p>${e(c.purpose[l])}</p>
      <h4>${t.uses}</h4>
      <ul>${c.inputs.map((i) => `<li>${e(i.name[l])}${i.personalData ? ` (${t.personal})` : ''}</li>`).join('')}</ul>
      <h4>${t.notUses}</h4>
      <ul>${c.notUsed.map((n) => `<li>${e(n[l])}</li>`).join('')}</ul>
      <h4>${t.decides}</h4>
      <p>${e(c.humanOversight.whoDecides[l])}${o ? ` ${e(t.checked(o.checked, o.overturned))}` : ''}</p>
      <h4>${t.energy}</h4>
      <p>${energyText}</p>
    </section>`;
    })
    .join('');
  const retentionRows = options.retention
    .map(
      (r) =>
        `<tr><th scope="row">${e(RETENTION_NAMES[r.key]?.[l] ?? r.key)}</th><td class="period">${e(humanPeriod(r.days, l))}</td><td>${e(r.purpose[l])}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="${l}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.title)} — ${e(org)}</title>
<link rel="alternate" hreflang="${l === 'da' ? 'en' : 'da'}" href="${otherHref}">
<style>
  body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0; }
  header, main, footer { max-width: 48rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
  .scroll { overflow-x: auto; } .scroll:focus { outline: 3px solid #0b57a4; }
  a { color: #0b57a4; } a:focus, a:hover { outline: 3px solid #0b57a4; outline-offset: 2px; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; }
  .model { border-top: 1px solid #5f5f5f; margin-top: 1.5rem; }
  .notice { background: #fff4ce; border-left: 4px solid #7a5c00; padding: 0.5rem 1rem; }
  .period { white-space: nowrap; }
  dt { font-weight: bold; } dd { margin: 0 0 0.5rem 0; }
  table { border-collapse: collapse; overflow-wrap: normal; } th, td { border: 1px solid #5f5f5f; padding: 0.3rem; text-align: left; vertical-align: top; }
</style>
</head>
<body>
<a class="skip" href="#main">${t.skip}</a>
<header>
  <p><a href="${otherHref}" hreflang="${l === 'da' ? 'en' : 'da'}" lang="${l === 'da' ? 'en' : 'da'}">${t.other}</a></p>
  <h1>${e(t.title)}</h1>
  <p>${e(org)}</p>
</header>
<main id="main">
  <p>${e(t.intro)}</p>
  <p class="notice" role="note">${e(t.estimate)}</p>
  <h2>${t.models}</h2>${models}
  <h2>${t.retention}</h2>
  <p>${e(t.retentionIntro)}</p>
  <div class="scroll" role="region" aria-label="${t.retention}" tabindex="0">
  <table>
    <caption>${t.retention}</caption>
    <thead><tr><th scope="col">${t.what2}</th><th scope="col" class="period">${t.days}</th><th scope="col">${t.why}</th></tr></thead>
    <tbody>${retentionRows}</tbody>
  </table>
  </div>
  <h2>${t.rights}</h2>
  <p>${e(t.rightsText)}${contactHtml}</p>
  <p>${e(t.complain)}</p>
</main>
<footer><p>${t.generated} (${e(options.generatedAt.slice(0, 10))}).</p></footer>
</body>
</html>
`;
}

const ERROR_TEXT = {
  da: {
    title: 'Siden findes ikke',
    notFound: (tenant: string) =>
      `Der er ingen kommune "${tenant}" i greenops. Tjek adressen, eller gå til siden uden tenant=.`,
    badTenant: (tenant: string) =>
      `"${tenant}" er ikke et gyldigt kommunenavn i adressen (tenant=): brug små bogstaver, tal, - eller _.`,
    badTitle: 'Ugyldig adresse',
    back: 'Til oversigten',
  },
  en: {
    title: 'Page not found',
    notFound: (tenant: string) =>
      `There is no municipality "${tenant}" in greenops. Check the address, or go to the page without tenant=.`,
    badTenant: (tenant: string) =>
      `"${tenant}" is not a valid municipality name in the address (tenant=): use lower-case letters, digits, - or _.`,
    badTitle: 'Invalid address',
    back: 'To the overview',
  },
} as const;

/** The citizen page's error answer in its language: an unknown (404) or invalid (400) `tenant=`. */
export function citizenErrorPage(
  lang: PageLanguage,
  kind: 'not-found' | 'bad-tenant',
  tenant: string,
): string {
  const t = ERROR_TEXT[lang];
  const e = escapeHtml;
  const title = kind === 'not-found' ? t.title : t.badTitle;
  const text = kind === 'not-found' ? t.notFound(tenant) : t.badTenant(tenant);
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
</head>
<body>
<main id="main">
  <h1>${e(title)}</h1>
  <p>${e(text)}</p>
  <p><a href="${lang === 'da' ? '/transparency' : '/transparency/en'}">${e(t.back)}</a></p>
</main>
</body>
</html>
`;
}
