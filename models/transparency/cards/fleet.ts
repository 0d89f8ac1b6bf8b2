import { MODEL_CARD_FORMAT, type EvaluationEntry } from '../model-card.js';
import { ESTIMATE_LABEL, NO_PEOPLE, PUBLIC_TASK, NO_PERSONAL_DATA } from './common.js';
import type { CardBody } from './energy.js';

/** The version of the fleet planning method; raised when the method changes what it answers. */
export const FLEET_METHOD_VERSION = 'fleet-2';

const SIMULATED: EvaluationEntry[] = [
  {
    data: 'generated',
    dataset:
      'Simulated municipal pool (10 vehicles at two Aarhus depots, 14 winter days; regular, long-distance and spare vehicles, stops at work sites, GPS jumps) with the simulator’s ground truth of every leg driven',
    metrics: [
      { name: 'legs found (of those ≥ 0.2 km and ≥ 1 min)', value: 100, unit: '%' },
      { name: 'km per trip within 2 % (odometer and GPS-only)', value: 100, unit: '%' },
      { name: 'pool km error, GPS only', value: 2, unit: '% (upper bound tested)' },
    ],
    source: 'models/fleet/trip-extractor.test.ts, models/fleet/fleet-report.test.ts',
    measuredAt: '2026-12-02',
  },
];

/** Trips, utilisation, CO₂e, EV suitability and pool right-sizing from vehicle telemetry. */
export function fleetPlannerCard(tenant: string): CardBody {
  return {
    format: MODEL_CARD_FORMAT,
    id: 'fleet-planner',
    name: {
      da: 'Flådeplanlægning: ture, udnyttelse, elbilsegnethed og flådestørrelse',
      en: 'Fleet planning: trips, utilisation, EV suitability and pool size',
    },
    version: FLEET_METHOD_VERSION,
    status: 'pilot',
    tenant,
    domain: { da: 'Kommunens køretøjer', en: 'Municipal vehicles' },
    summary: {
      da: 'Finder køretøjers ture, udnyttelse og CO₂e, tester om en elbil klarer hver dag i kulde, og hvor få køretøjer der kan køre alle ture.',
      en: 'Finds vehicles’ trips, utilisation and CO₂e, tests whether an EV could do each day in the cold, and how few vehicles would serve every trip.',
    },
    purpose: {
      da: 'Giver flådeplanlæggere et grundlag for at udskifte køretøjer med elbiler og for at reducere antallet af køretøjer — med beviser for hver anbefaling.',
      en: 'Gives fleet planners evidence for replacing vehicles with EVs and for reducing the number of vehicles, each recommendation with its evidence.',
    },
    users: ['fleet planners', 'climate officers'],
    modelType: {
      da: 'Faste regler og regnestykker: ture fundet ud fra tænding, fart og ophold; depoter ud fra hvor bilerne holder om natten; puljens størrelse ved intervalopdeling; elbilers rækkevidde nedskrevet efter en stykvis lineær kulde-kurve; og den danske TCO-metode (4 %, 4 år).',
      en: 'Deterministic rules and arithmetic: an ignition/speed/dwell state machine for trips, overnight parking for depots, interval partitioning for pool size, a piecewise-linear cold-weather derating curve for EV range, and the Danish TCO method (4 %, 4 years).',
    },
    outputs: {
      description:
        'Per trip: km, duration, idle minutes, fuel or energy, CO₂e, ends rounded to a site or a ~100 m cell. Per vehicle: days and hours used, km per day, idle share, CO₂e, EV verdict with failing days and TCO. Per site: availability curve, recommended pool size, vehicles to remove or replace, savings.',
      howToRead:
        'An EV verdict lists the days it fails and why (range at that day’s temperature, or charging time); a pool size holds on the stated share of the observed days. Prices and EV figures in the defaults are illustrative until the municipality sets its own.',
      labelled: ESTIMATE_LABEL,
    },
    inputs: [
      {
        name: { da: 'bilernes telemetri', en: 'vehicle telemetry' },
        description:
          'Position, speed, ignition, odometer and fuel or energy counters of the municipality’s vehicles (fleet stream). A position can point to the person driving, so it is personal data: kept for the raw retention (fleet, 90 days) and reduced to trip summaries with rounded ends.',
        personalData: true,
        legalBasis: PUBLIC_TASK,
      },
      {
        name: { da: 'køretøjsregister', en: 'vehicle register' },
        description:
          'The municipality’s list of its vehicles: each one’s class (car, van, minibus), fuel, purchase price or lease, and the electric model to compare it with. A vehicle not on the list is taken to be of the class it reports itself, else of a default class, and the report says so.',
        personalData: false,
        legalBasis: NO_PERSONAL_DATA,
      },
      {
        name: { da: 'udetemperatur', en: 'outdoor temperature' },
        description:
          'Daily minimum outdoor temperature from the energy stream’s outdoor_temp_c (or a configured series; else DMI monthly normals).',
        personalData: false,
        legalBasis: NO_PERSONAL_DATA,
      },
    ],
    notUsed: [
      NO_PEOPLE,
      {
        da: 'Ingen førerpseudonymer: de indgår aldrig i ture, rapporter eller anbefalinger, og der vurderes ingen førere.',
        en: 'No driver pseudonyms: they never enter trips, reports or recommendations, and no driver is assessed.',
      },
    ],
    training: {
      data: 'No training: every figure is computed from the tenant’s own telemetry at each request.',
      period: undefined,
      personalData: false,
    },
    evaluation: SIMULATED,
    performanceByGroup: {
      factor: 'distance source (simulated pool, km per trip within 2 %)',
      groups: [
        { group: 'odometer', metrics: { tripsWithin2Pct: 100 } },
        { group: 'GPS path, jumps skipped', metrics: { tripsWithin2Pct: 100 } },
      ],
      more: 0,
    },
    limitations: [
      'Validated on simulated vehicles only; no real municipal fleet export was available.',
      'The cold-weather derating curve is approximate (AAA 2019, Geotab 2020, NAF El Prix); a particular EV model can do better or worse.',
      'Prices, EV purchase prices and residual values in the shipped defaults are illustrative round numbers, not quotes.',
      'Each vehicle is costed and compared as its class (car, van, minibus: the vehicle register, else the class the vehicle sends, else a default class, marked as assumed); a vehicle with no class given is costed as the default class, which can be wrong.',
      'Right-sizing assumes any vehicle of a site can take any round trip (the pool is not sized per vehicle class or special equipment) and that kilometres removed vehicles drove move to the others.',
      'The availability curve counts vehicles away from the depot per hour, not shifts or bookings.',
      'Methods after Miljøstyrelsen’s TCO tool (public procurement partnership), OS2fleetoptimiser and Geotab’s EVSA; derating anchored on AAA (2019) range testing.',
    ],
    ethicalConsiderations: [
      'Trips are analysed per vehicle, never per driver; the data could reveal where a driver went, so ends are rounded and raw positions kept only for the retention period.',
      'A right-sizing recommendation affects staff’s access to vehicles; the service level and the failing days are shown so a planner can judge it.',
    ],
    aiAct: {
      class: 'not-ai',
      reasoning:
        'Fixed rules and arithmetic with no learned inference, outside the Art. 3(1) definition; it assesses vehicles, not workers (not Annex III 4). Published on a card all the same.',
      article50: 'Not applicable; estimates are labelled.',
    },
    humanOversight: {
      measures: [
        'Every verdict and pool size carries its evidence (days covered, days failing and why, service level, TCO breakdown).',
        'A fleet planner can record confirming or overturning a recommendation.',
      ],
      whoDecides: {
        da: 'Flådeansvarlige beslutter indkøb og udskiftning; værktøjet anbefaler kun.',
        en: 'Fleet managers decide purchases and replacements; the tool only recommends.',
      },
    },
    retraining:
      'None: fixed rules; a change to them gets a new version number, and the prices and vehicle figures they use are the municipality’s own settings.',
    compute:
      'Trip extraction over 1 M samples/s in one process; a report of a pool-year from trips in under a second.',
    logging: 'Requests are logged with their request id; results runs log the vehicles and points written.',
    references: [],
  };
}
