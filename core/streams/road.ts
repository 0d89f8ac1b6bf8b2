import { Type, type Static } from '@sinclair/typebox';
import { nanosFromId } from '../point.js';
import {
  EntityId,
  Fraction,
  Heading,
  Latitude,
  Longitude,
  MessageId,
  Timestamp,
  record,
  reportedDevice,
} from './common.js';
import { defineStream } from './stream-definition.js';
import type { Point } from '../point.js';

/**
 * Damage classes: the Road Damage Dataset (RDD2018/2020) codes, plus two asset classes road departments asked
 * for. D00 longitudinal crack, D01 longitudinal construction joint, D10 transverse crack, D11 transverse joint,
 * D20 alligator crack, D40 pothole, D43 faded crosswalk, D44 faded white line, D50 manhole cover.
 */
export const DAMAGE_CLASSES = [
  'D00',
  'D01',
  'D10',
  'D11',
  'D20',
  'D40',
  'D43',
  'D44',
  'D50',
  'marking_faded',
  'sign_damaged',
] as const;
export type DamageClass = (typeof DAMAGE_CLASSES)[number];

export const RoadRecord = record(
  {
    id: MessageId,
    ts: Timestamp,
    cameraId: Type.Optional(EntityId),
    vehicleId: Type.Optional(EntityId),
    lat: Latitude,
    lon: Longitude,
    headingDeg: Type.Optional(Heading),
    damage: Type.Union(DAMAGE_CLASSES.map((d) => Type.Literal(d))),
    confidence: Fraction,
    bbox: Type.Object(
      { x: Fraction, y: Fraction, w: Fraction, h: Fraction },
      { additionalProperties: false, description: 'Normalised to the frame (0–1), origin top left.' },
    ),
    // A reference only, never inline image data; the camera blurs people and plates before storing frames.
    imageRef: Type.Optional(Type.String({ maxLength: 512, pattern: '^(?!data:)[^\\s]+$' })),
    modelVersion: Type.Optional(Type.String({ maxLength: 64 })),
  },
  'One damage detection by a road-inspection camera. id is the detection id.',
);
export type RoadRecord = Static<typeof RoadRecord>;

export const roadStream = defineStream<RoadRecord>({
  name: 'road',
  version: 1,
  schema: RoadRecord,
  tags: ['damage'],
  fields: {
    detection_id: { type: 'string', description: 'Detection id as sent.' },
    lat: { type: 'number', unit: '°', description: 'Latitude of the defect (WGS 84).' },
    lon: { type: 'number', unit: '°', description: 'Longitude of the defect (WGS 84).' },
    heading_deg: { type: 'number', unit: '°', description: 'Camera heading.' },
    confidence: { type: 'number', description: 'Detector confidence (0–1).' },
    bbox_x: { type: 'number', description: 'Bounding box left (0–1).' },
    bbox_y: { type: 'number', description: 'Bounding box top (0–1).' },
    bbox_w: { type: 'number', description: 'Bounding box width (0–1).' },
    bbox_h: { type: 'number', description: 'Bounding box height (0–1).' },
    vehicle: { type: 'string', description: 'Vehicle carrying the camera.' },
    image_ref: { type: 'string', description: 'Reference to the (anonymised) frame.' },
    model_version: { type: 'string', description: 'Detector version (EU AI Act traceability).' },
  },
  defaultField: 'confidence',
  toPoints(r, { tenant, deviceId, timeMs }) {
    const fields: Point['fields'] = {
      detection_id: r.id,
      lat: r.lat,
      lon: r.lon,
      confidence: r.confidence,
      bbox_x: r.bbox.x,
      bbox_y: r.bbox.y,
      bbox_w: r.bbox.w,
      bbox_h: r.bbox.h,
    };
    if (r.headingDeg !== undefined) fields.heading_deg = r.headingDeg;
    if (r.vehicleId !== undefined) fields.vehicle = r.vehicleId;
    if (r.imageRef !== undefined) fields.image_ref = r.imageRef;
    if (r.modelVersion !== undefined) fields.model_version = r.modelVersion;
    const tags = { tenant, device: reportedDevice(deviceId, r.cameraId), damage: r.damage };
    // One frame can hold several detections of one class: the id-derived nanoseconds keep them apart while a
    // re-sent detection still lands on the same point.
    return [{ measurement: 'road', tags, fields, timeMs, nanos: nanosFromId(r.id) }];
  },
});
