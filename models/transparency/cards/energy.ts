import type { ModelCard as EnergyVersion } from '../../energy/registry.js';
import { MODEL_LIMITATIONS } from '../../energy/retrain.js';
import type { EvaluationEntry, GroupPerformance, ModelCard, ModelStatus } from '../model-card.js';
import { MODEL_CARD_FORMAT, NO_VERSION } from '../model-card.js';
import { ESTIMATE_LABEL, HOLIDAYS_INPUT, METER_INPUT, NO_PEOPLE, TEMPERATURE_INPUT } from './common.js';

export type CardBody = Omit<ModelCard, 'energy' | 'humanOversight' | 'contact'> & {
  humanOversight: Omit<ModelCard['humanOversight'], 'oversight'>;
};

/** The three energy models share their inputs, training data and the backtest that the gate decides from. */
const SHARED = {
  domain: { da: 'Energi og bygninger', en: 'Energy and buildings' },
  users: ['facility managers', 'energy advisers', 'climate officers'],
  notUsed: [
    NO_PEOPLE,
    {
      da: 'Ingen oplysninger om hvem der er i bygningerne (ingen tællinger, ingen adgangskort).',
      en: 'No data on who is in the buildings (no people counts, no access cards).',
    },
  ],
  ethicalConsiderations: [
    'Forecasts of a building’s use are not used to judge the people who work in it.',
    'A wrong forecast costs at most a missed saving or a needless check: no citizen is affected by it.',
  ],
};

/** The neural forecaster's retraining and logging (only it trains a network). */
const NEURAL_RETRAINING =
  'Retrained on the municipality’s stored meter history once a week by default; each version is kept with its card, and a publication check decides which model serves.';
const NEURAL_LOGGING =
  'Every trained version is kept with its card; forecasts written to the database carry the version they came from.';

function status(version: EnergyVersion | undefined, live: boolean, serves: boolean): ModelStatus {
  if (!version) return 'not-trained';
  return live && serves ? 'in-use' : 'pilot';
}

function backtestEvaluation(
  version: EnergyVersion | undefined,
  model: 'neural' | 'towt' | 'seasonalNaive',
): EvaluationEntry[] {
  const entries: EvaluationEntry[] = [];
  if (version) {
    const m = version.backtest.median[model];
    entries.push({
      data: 'tenant',
      dataset: `this tenant’s ${version.meters.length} meters, trained ${version.trainingFrom.slice(0, 10)} – ${version.trainingUntil.slice(0, 10)}, day-ahead backtest until ${version.backtestUntil.slice(0, 10)}`,
      metrics: [
        { name: 'median CV(RMSE)', value: round(m.cvRmsePct), unit: '%' },
        { name: 'median NMBE', value: round(m.nmbePct), unit: '%' },
        { name: 'median MAPE', value: round(m.mapePct), unit: '%' },
        ...(m.coverage === undefined
          ? []
          : [{ name: '80 % interval coverage', value: round(m.coverage * 100), unit: '%' }]),
        {
          name: 'meters within ASHRAE Guideline 14 hourly',
          value: `${version.backtest.meters.filter((x) => meets(x.accuracy[model])).length} of ${version.backtest.meters.length}`,
        },
      ],
      source: `model card of version ${version.version} (GET /api/v1/energy/model)`,
      measuredAt: version.createdAt,
    });
  }
  if (model === 'neural')
    entries.push({
      data: 'real',
      dataset:
        'Real buildings: 30 electricity meters of the University of Cambridge estate, 2016–2017 (EECi Cambridge Estates Building Energy Archive, MIT licence); trained on 2016, day-ahead over every day of 2017 with weekly retraining, each meter served by its own recent backtest; holidays of England and Wales',
      metrics: [
        { name: 'median CV(RMSE), served per meter', value: 9.5, unit: '%' },
        { name: 'median CV(RMSE), network alone', value: 12.1, unit: '%' },
        { name: 'median CV(RMSE), linear reference', value: 9.5, unit: '%' },
        { name: 'median CV(RMSE), seasonal naive', value: 18.7, unit: '%' },
        { name: 'p90 CV(RMSE), served', value: 54.9, unit: '%' },
        { name: 'meters within ASHRAE Guideline 14 hourly, served', value: '26 of 30' },
        { name: '80 % interval coverage, served (median)', value: 79.0, unit: '%' },
        { name: 'meters whose 80 % interval covers 75–85 %, served', value: '30 of 30' },
      ],
      source: 'npm run bench:energy -- <path of the real set> (BENCHMARKS.md)',
      measuredAt: '2026-12-03',
    });
  entries.push({
    data: 'generated',
    dataset:
      '30 simulated meters × 400 days (greenops energy sample): first year trained, 35 days backtested',
    metrics:
      model === 'neural'
        ? [
            { name: 'median CV(RMSE)', value: 3.4, unit: '%' },
            { name: 'neural ÷ seasonal naive', value: 18, unit: '%' },
            { name: '80 % interval coverage', value: 77.4, unit: '%' },
          ]
        : model === 'towt'
          ? [{ name: 'median CV(RMSE)', value: 5.5, unit: '%' }]
          : [{ name: 'median CV(RMSE)', value: 19.1, unit: '%' }],
    source: 'npm run bench:energy (BENCHMARKS.md)',
    measuredAt: '2026-11-22',
  });
  return entries;
}

function meets(a: { cvRmsePct: number; nmbePct: number }): boolean {
  return a.cvRmsePct <= 30 && Math.abs(a.nmbePct) <= 10;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function perMeter(
  version: EnergyVersion | undefined,
  model: 'neural' | 'towt' | 'seasonalNaive',
): GroupPerformance | undefined {
  if (!version) return undefined;
  const shown = version.backtest.meters.slice(0, 50);
  const plan = new Map((version.gate.perMeter ?? []).map((p) => [p.meter, p]));
  return {
    factor: 'meter',
    groups: shown.map((m) => {
      const served = plan.get(m.meter);
      // Versions from before the linear reference and per-meter choice have neither.
      const linear = m.accuracy.linear as (typeof m.accuracy)['neural'] | undefined;
      return {
        group: m.meter,
        metrics: {
          days: m.days,
          cvRmsePct: round(m.accuracy[model].cvRmsePct),
          nmbePct: round(m.accuracy[model].nmbePct),
          meetsAshraeG14: meets(m.accuracy[model]),
          ...(model === 'neural' && linear
            ? {
                linearCvRmsePct: round(linear.cvRmsePct),
                towtCvRmsePct: round(m.accuracy.towt.cvRmsePct),
                seasonalNaiveCvRmsePct: round(m.accuracy.seasonalNaive.cvRmsePct),
              }
            : {}),
          ...(model === 'neural' && served
            ? {
                servedModel: served.serve,
                servedCvRmsePct: round(m.accuracy[served.serve].cvRmsePct),
                servedMeetsAshraeG14: served.meetsG14,
                whyServed: served.reason,
              }
            : {}),
        },
      };
    }),
    more: version.backtest.meters.length - shown.length,
  };
}

function period(version: EnergyVersion | undefined) {
  return version ? { from: version.trainingFrom, until: version.trainingUntil } : undefined;
}

const TRAINING_DATA =
  'The tenant’s own stored hourly meter readings (up to 400 days), the last 56 days replayed as the backtest with weekly retraining; nothing from other municipalities.';

/** The neural day-ahead forecaster, its version the tenant's latest trained one. */
export function energyForecasterCard(
  tenant: string,
  current: { card: EnergyVersion; live: boolean } | undefined,
): CardBody {
  const v = current?.card;
  return {
    format: MODEL_CARD_FORMAT,
    id: 'energy-forecaster',
    inputs: [METER_INPUT, TEMPERATURE_INPUT, HOLIDAYS_INPUT],
    retraining: NEURAL_RETRAINING,
    logging: NEURAL_LOGGING,
    name: { da: 'Prognose for bygningers energiforbrug', en: 'Building energy forecaster' },
    version: v ? `v${v.version}` : NO_VERSION,
    status: status(v, current?.live ?? false, v?.gate.serve === 'neural'),
    tenant,
    ...SHARED,
    summary: {
      da: 'Forudsiger morgendagens energiforbrug time for time i kommunens bygninger, så spild kan opdages og undgås.',
      en: 'Forecasts tomorrow’s hourly energy use of the municipality’s buildings, so that waste is found and avoided.',
    },
    purpose: {
      da: 'Giver driftsfolk en forventning til hver måler for det næste døgn med et usikkerhedsinterval. Et forbrug langt over prognosen peger på udstyr, der står tændt, eller en fejl.',
      en: 'Gives facility managers an expected use per meter for the next day with an uncertainty range. Use far above the forecast points to equipment left on or a fault.',
    },
    modelType: {
      da: 'For hver måler den model, dens egen seneste efterprøvning peger på: et neuralt netværk for hver kommune (TensorFlow.js; kvantilregression, p10, p50, p90, ud fra sidste uges forbrug, ugens time, temperatur og helligdage), kun hvor det slår den lineære reference; ellers den lineære reference (robust lukket-form ridge-regression for hver time ud fra dagtype med den valgte helligdagskalender, temperatur, gårsdagens, sidste uges og de seneste dage af samme slags forbrug og det seneste niveau), TOWT eller samme time sidste uge.',
      en: 'Per meter, the model its own recent backtest favours: a neural network per tenant (TensorFlow.js; quantile regression, p10, p50, p90, on the last week’s load, hour of week, temperature and holidays), served only where it beats the linear reference, or the linear reference (robust closed-form ridge per forecast hour on day type with the configured holiday calendar, temperature change points, yesterday’s, last week’s and the last same-kind days’ load and the recent level, refitted at each forecast), TOWT or seasonal naive.',
    },
    outputs: {
      description: 'Hourly kWh per meter for tomorrow: median (p50) and an 80 % interval (p10–p90).',
      howToRead:
        'The median is the most likely use; about 8 in 10 hours should fall inside p10–p90. Forecasts use last week’s temperatures when no weather forecast is configured.',
      labelled: ESTIMATE_LABEL,
    },
    training: { data: TRAINING_DATA, period: period(v), personalData: false },
    evaluation: backtestEvaluation(v, 'neural'),
    performanceByGroup: perMeter(v, 'neural'),
    limitations: [
      ...MODEL_LIMITATIONS,
      'On real buildings (a public university estate) the network alone is worse than the linear reference (12.1 % against 9.5 % median CV(RMSE)): most meters are served the linear reference, and the card lists per meter which model and why.',
      'Tiny, event-driven meters (spikes at irregular hours) are forecast poorly by every model (CV(RMSE) above 50 %); the card marks each meter where no model meets ASHRAE G14.',
      ...(v ? v.gate.reasons.map((r) => `Publication gate: ${r}`) : []),
    ],
    aiAct: {
      class: 'minimal',
      reasoning:
        'A machine-learning system (Art. 3(1)) that forecasts buildings’ energy use. It is not in Annex III (no decisions about persons, no critical-infrastructure safety component: it advises on municipal buildings, it does not operate the grid or heating) and not a prohibited practice (Art. 5). Minimal risk: no obligations beyond AI literacy (Art. 4); greenops still publishes this card and labels outputs.',
      article50:
        'Art. 50 transparency duties concern systems interacting with people or generating content; forecasts are labelled as model estimates all the same.',
    },
    humanOversight: {
      measures: [
        'A publication gate serves the neural model only when it beats seasonal naive and meets ASHRAE Guideline 14 on the tenant’s own backtest; otherwise a reference model serves and the card says why.',
        'A facility manager decides what to do about a forecast; greenops changes no setting in a building.',
        'Publishing or withdrawing a version is recorded as a human decision.',
      ],
      whoDecides: {
        da: 'Kommunens driftsfolk beslutter, hvad der gøres. Modellen ændrer ingen indstillinger.',
        en: 'The municipality’s facility managers decide what is done. The model changes no settings.',
      },
    },
    compute:
      'Training: about 45 s per 30 meters × a year on 2 busy shared cores (wasm backend), in a worker thread, plus a replay of the held-out days with weekly retraining; each meter’s linear reference and TOWT are fitted at each training and stored with the version; forecasting a meter’s day evaluates them: about 1 ms (the network about 0.25 ms).',
    references: [
      { id: 'energy-towt', relation: 'reference and fallback' },
      { id: 'energy-seasonal-naive', relation: 'reference of last resort' },
    ],
  };
}

/** TOWT: the fallback forecaster and the savings baseline (IPMVP option C). */
export function energyTowtCard(
  tenant: string,
  current: { card: EnergyVersion; live: boolean } | undefined,
): CardBody {
  const v = current?.card;
  return {
    format: MODEL_CARD_FORMAT,
    id: 'energy-towt',
    // TOWT reads the hour of week and the temperature; it has no holiday term.
    inputs: [METER_INPUT, TEMPERATURE_INPUT],
    retraining:
      'Not trained in advance: the regression is fitted again from the meter’s own baseline period each time a saving is calculated, and refitted on the latest history whenever the forecaster is retrained, to compare the two.',
    logging:
      'Savings reports state the baseline period and the fit’s accuracy; forecasts it serves carry the version of the training run that compared it.',
    name: { da: 'Energibaseline (TOWT-regression)', en: 'Energy baseline (TOWT regression)' },
    version: v ? `v${v.version}` : 'method-1',
    status: 'in-use',
    tenant,
    ...SHARED,
    summary: {
      da: 'Regressionsmodel for forbrug efter ugetime og temperatur; måler besparelser og er reserve for prognosen.',
      en: 'Regression of use on hour of week and temperature; measures savings and backs up the forecaster.',
    },
    purpose: {
      da: 'Beregner, hvad en bygning ville have brugt uden et tiltag, så besparelsen kan dokumenteres (IPMVP), og leverer prognosen, når det neurale net ikke består kontrollen.',
      en: 'Estimates what a building would have used without a measure, so the saving can be documented (IPMVP), and serves forecasts when the neural network fails the gate.',
    },
    modelType: {
      da: 'Regression på ugens time og temperatur (LBNL TOWT, CalTRACK time for time), mindste kvadraters metode for hver måler.',
      en: 'Time-of-week-and-temperature regression (LBNL TOWT, CalTRACK hourly), least squares per meter.',
    },
    outputs: {
      description: 'Baseline kWh per hour; avoided energy with a 90 % range (ASHRAE Guideline 14).',
      howToRead:
        'Avoided energy is baseline minus measured use; the range is statistical and excludes model-form error.',
      labelled: ESTIMATE_LABEL,
    },
    training: {
      data: 'Per request: the meter’s baseline period (at least 28 days, a year recommended); for the gate, the same history as the forecaster.',
      period: period(v),
      personalData: false,
    },
    evaluation: backtestEvaluation(v, 'towt'),
    performanceByGroup: perMeter(v, 'towt'),
    limitations: [
      'A baseline shorter than a year extrapolates to seasons it has not seen.',
      'Changes in a building’s use (new occupants, opening hours) are read as savings or losses unless adjusted.',
    ],
    aiAct: {
      class: 'not-ai',
      reasoning:
        'A linear regression with fixed, documented features, fitted by least squares: a statistical method rather than a system that infers how to generate outputs with autonomy (Art. 3(1), Commission guidelines on the AI-system definition). Published on a card all the same.',
      article50: 'Not applicable; outputs are labelled as estimates.',
    },
    humanOversight: {
      measures: [
        'Savings reports carry warnings when the baseline misses ASHRAE G14 or is shorter than a year.',
      ],
      whoDecides: {
        da: 'Energirådgivere vurderer besparelsen, før den rapporteres.',
        en: 'Energy advisers judge the saving before it is reported.',
      },
    },
    compute: 'Milliseconds per meter and year.',
    references: [{ id: 'energy-forecaster', relation: 'serves when the forecaster fails the gate' }],
  };
}

/** Seasonal naive: last week's same hour; the benchmark every model must beat. */
export function energySeasonalNaiveCard(
  tenant: string,
  current: { card: EnergyVersion; live: boolean } | undefined,
): CardBody {
  const v = current?.card;
  return {
    format: MODEL_CARD_FORMAT,
    id: 'energy-seasonal-naive',
    // A fixed rule: last week's reading at the same hour, nothing else.
    inputs: [METER_INPUT],
    retraining: 'Never: a fixed rule has nothing to train or retrain.',
    logging: 'Forecasts it serves are stored like the other models’ and name the rule.',
    name: { da: 'Energiprognose: sidste uges forbrug', en: 'Energy forecast: last week’s use' },
    version: 'method-1',
    status: 'in-use',
    tenant,
    ...SHARED,
    summary: {
      da: 'Bruger forbruget samme time sidste uge som prognose; målestokken som andre modeller skal slå.',
      en: 'Uses the same hour last week as the forecast; the yardstick other models must beat.',
    },
    purpose: {
      da: 'En enkel og gennemskuelig reference. Den leverer prognosen, hvis hverken det neurale net eller TOWT består kontrollen.',
      en: 'A simple, transparent reference. It serves forecasts when neither the neural network nor TOWT passes the gate.',
    },
    modelType: {
      da: 'Fast regel: forbruget 168 timer tidligere (samme time sidste uge).',
      en: 'Seasonal naive rule (value 168 hours earlier).',
    },
    outputs: {
      description: 'Hourly kWh per meter for tomorrow.',
      howToRead: 'Exactly last week’s use at the same hour.',
      labelled: ESTIMATE_LABEL,
    },
    training: { data: 'None: a fixed rule over the last week.', period: undefined, personalData: false },
    evaluation: backtestEvaluation(v, 'seasonalNaive'),
    performanceByGroup: perMeter(v, 'seasonalNaive'),
    limitations: ['Repeats last week’s anomalies and misses holidays and weather changes.'],
    aiAct: {
      class: 'not-ai',
      reasoning:
        'A fixed rule defined by people (repeat last week); no inference, not an AI system under Art. 3(1).',
      article50: 'Not applicable.',
    },
    humanOversight: {
      measures: ['Used as a benchmark; its figures are on every energy card.'],
      whoDecides: { da: 'Driftsfolk.', en: 'Facility managers.' },
    },
    compute: 'Negligible.',
    references: [{ id: 'energy-forecaster', relation: 'benchmark' }],
  };
}
