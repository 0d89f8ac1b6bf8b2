import type { EvaluationEntry } from '../model-card.js';
import { MODEL_CARD_FORMAT, NO_VERSION } from '../model-card.js';
import { ESTIMATE_LABEL, NO_PEOPLE, publicTask } from './common.js';
import type { CardBody } from './energy.js';

/** Precision of one damage class and detector version from the reviews (models/road computes it). */
export interface RoadClassPrecision {
  damage: string;
  modelVersion: string;
  confirmed: number;
  falsePositives: number;
  precision: number | null;
  ci95: { low: number; high: number };
  recentPrecision: number | null;
  alert: boolean;
  suggestedThreshold: number | null;
}

/**
 * The road-damage detector runs on the vehicle's camera unit (edge); greenops receives its detections. Its card
 * states precision from the municipality's own reviews (confirmed ÷ reviewed), the only measure greenops can know.
 */
export function roadDetectorCard(
  tenant: string,
  reviewed: { checked: number; overturned: number } | undefined,
  byClass: readonly RoadClassPrecision[] = [],
  /** The versions the tenant's cameras report in their latest detections. */
  reported: readonly string[] = [],
): CardBody {
  const modelVersions = [...new Set([...reported, ...byClass.map((c) => c.modelVersion)])].sort();
  const evaluation: EvaluationEntry[] = [];
  // Per damage class and detector version (the version the detections name, not greenops' method): confirmed ÷
  // (confirmed + rejected as a false positive) with a 95 % Wilson interval.
  for (const c of byClass)
    if (c.precision !== null)
      evaluation.push({
        data: 'tenant',
        dataset: `${c.damage} defects reviewed by this tenant’s road inspectors, detector ${c.modelVersion} (${c.confirmed + c.falsePositives})`,
        metrics: [
          {
            name: 'precision (confirmed ÷ (confirmed + false positives))',
            value: Math.round(c.precision * 1000) / 10,
            unit: '%',
          },
          { name: '95 % interval, low', value: Math.round(c.ci95.low * 1000) / 10, unit: '%' },
          { name: '95 % interval, high', value: Math.round(c.ci95.high * 1000) / 10, unit: '%' },
          ...(c.suggestedThreshold === null
            ? []
            : [{ name: 'suggested confidence threshold (90 % precision)', value: c.suggestedThreshold }]),
        ],
        source: 'GET /api/v1/road/precision',
        measuredAt: undefined,
      });
  const alerts = byClass.filter((c) => c.alert);
  if (byClass.length === 0 && reviewed && reviewed.checked > 0)
    evaluation.push({
      data: 'tenant',
      dataset: `detections reviewed by this tenant’s road inspectors (${reviewed.checked})`,
      metrics: [
        {
          name: 'precision (confirmed ÷ reviewed)',
          value: Math.round((1 - reviewed.overturned / reviewed.checked) * 1000) / 10,
          unit: '%',
        },
      ],
      source: 'GET /api/v1/models/road-damage-detector/oversight',
      measuredAt: undefined,
    });
  return {
    format: MODEL_CARD_FORMAT,
    id: 'road-damage-detector',
    name: { da: 'Registrering af vejskader fra kamera', en: 'Road-damage detection from cameras' },
    // The supplier's versions that the tenant's stored detections name; none before the first detection.
    version: modelVersions.length > 0 ? modelVersions.join(', ') : NO_VERSION,
    status: 'pilot',
    tenant,
    domain: { da: 'Veje og trafik', en: 'Roads and traffic' },
    summary: {
      da: 'Kamera i kommunens biler finder revner, huller og slidte striber i vejen, så vejfolk kan prioritere reparationer.',
      en: 'Cameras on municipal vehicles find cracks, potholes and faded markings, so road staff can prioritise repairs.',
    },
    purpose: {
      da: 'Giver vejafdelingen et løbende billede af vejenes tilstand. Hver registrering kontrolleres af en medarbejder, før den fører til en arbejdsordre.',
      en: 'Gives the road department a running picture of road condition. Each detection is checked by a person before it leads to a work order.',
    },
    users: ['road inspectors', 'road departments'],
    modelType: {
      da: 'Objektgenkendelse i bilen (skadetyperne D00–D50 fra Road Damage Dataset); greenops modtager skadetype, sikkerhed, afgrænsningsboks (koordinater i billedet) og position, aldrig selve billedet.',
      en: 'Object detector on the vehicle (Road Damage Dataset classes D00–D50); greenops receives class, confidence, box and position.',
    },
    outputs: {
      description:
        'A damage class with a confidence, a box in the frame, a position and an optional reference to an anonymised frame.',
      howToRead:
        'Confidence is the detector’s own score, not a probability that the damage is real; precision from reviews is the measure to trust.',
      labelled: ESTIMATE_LABEL,
    },
    inputs: [
      {
        name: { da: 'kamerabilleder (kun i bilen)', en: 'camera frames (on the vehicle only)' },
        description:
          'Frames are analysed on the vehicle and not sent; only detections and, optionally, a reference to an anonymised frame are.',
        personalData: true,
        legalBasis: publicTask({
          da: 'Vejvedligeholdelse efter vejloven; billeder anonymiseres (ansigter og nummerplader sløres), før de gemmes, og henvisninger til dem gemmes som standard i 30 dage.',
          en: 'Road maintenance under the Danish Roads Act (vejloven); frames are anonymised (faces and plates blurred) before storage, references kept 30 days by default.',
        }),
      },
      {
        name: { da: 'registrerede skader', en: 'detections' },
        description: 'Class, confidence, box, position and heading of each detection.',
        personalData: false,
        legalBasis: {
          da: 'Ikke personoplysninger: en position på vejen og en skadetype.',
          en: 'Not personal data: a position on the road and a damage class.',
        },
      },
    ],
    notUsed: [
      NO_PEOPLE,
      {
        da: 'Ingen billeder af personer gemmes; greenops modtager aldrig billeder, kun henvisninger til anonymiserede billeder.',
        en: 'No images of people are kept; greenops never receives images, only references to anonymised frames.',
      },
    ],
    training: {
      data: 'Trained by the detector’s supplier (Road Damage Dataset classes); greenops does not train it.',
      period: undefined,
      personalData: false,
    },
    evaluation,
    performanceByGroup: undefined,
    limitations: [
      ...(evaluation.length === 0
        ? ['No reviews are recorded yet, so no precision can be stated for this municipality.']
        : []),
      ...alerts.map(
        (c) =>
          `Alert: the recent precision of ${c.damage} (${c.modelVersion}) is ${Math.round((c.recentPrecision ?? 0) * 100)} %, below the interval of all its reviews.`,
      ),
      'Recall (damage the detector misses) is unknown without a full survey; reviews measure precision only.',
      'Detections of one class within 5 m and along the same road axis are merged into one defect across frames and drives; a person decides on the defect, not on each detection.',
    ],
    ethicalConsiderations: [
      'Cameras in public space can capture people: frames stay on the vehicle and only anonymised frames may be referenced.',
    ],
    aiAct: {
      class: 'minimal',
      reasoning:
        'Computer vision (Art. 3(1)) that detects road damage. It identifies no person (not biometric, Art. 5 and Annex III 1), and it is not a safety component of road-traffic management (Annex III 2): it feeds maintenance planning, which people decide. Minimal risk.',
      article50: 'Not a system interacting with people; detections are labelled as model output.',
    },
    humanOversight: {
      measures: [
        'A road inspector confirms or rejects detections; only confirmed damage should lead to work.',
      ],
      whoDecides: {
        da: 'Vejfolk kontrollerer registreringerne og beslutter reparationer.',
        en: 'Road inspectors check the detections and decide repairs.',
      },
    },
    retraining: 'By the supplier; each detection names the model version it came from.',
    compute: 'On the vehicle; greenops only stores detections.',
    logging: 'Every detection keeps the version of the detector that made it and its confidence.',
    references: [],
  };
}
