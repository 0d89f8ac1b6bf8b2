import { Type, type Static } from '@sinclair/typebox';
import { EntityId, Fraction, MessageId, Timestamp, record, reportedDevice } from './common.js';
import { defineStream } from './stream-definition.js';
import type { Point } from '../point.js';

export const VEHICLE_CLASSES = ['car', 'van', 'truck', 'bus', 'bicycle', 'pedestrian'] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];

const Count = Type.Integer({ minimum: 0, maximum: 1_000_000 });

export const TrafficRecord = record(
  {
    id: MessageId,
    ts: Timestamp,
    counterId: Type.Optional(EntityId),
    intervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    direction: Type.String({ pattern: '^[A-Za-z0-9_-]{1,16}$', description: 'e.g. N, S, in, out' }),
    lane: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
    counts: Type.Object(
      {
        car: Type.Optional(Count),
        van: Type.Optional(Count),
        truck: Type.Optional(Count),
        bus: Type.Optional(Count),
        bicycle: Type.Optional(Count),
        pedestrian: Type.Optional(Count),
      },
      { additionalProperties: false },
    ),
    speed: Type.Optional(
      Type.Object(
        {
          meanKmh: Type.Optional(Type.Number({ minimum: 0, maximum: 250 })),
          v85Kmh: Type.Optional(Type.Number({ minimum: 0, maximum: 250 })),
        },
        { additionalProperties: false },
      ),
    ),
    uptime: Fraction,
  },
  'Counts for one interval starting at ts, one direction (and lane), per vehicle class.',
);
export type TrafficRecord = Static<typeof TrafficRecord>;

export const trafficStream = defineStream<TrafficRecord>({
  name: 'traffic',
  version: 1,
  schema: TrafficRecord,
  tags: ['direction', 'lane'],
  fields: {
    ...Object.fromEntries(
      VEHICLE_CLASSES.map((c) => [
        `count_${c}`,
        { type: 'number', description: `Number of ${c === 'bus' ? 'buses' : `${c}s`} in the interval.` },
      ]),
    ),
    count_total: { type: 'number', description: 'All classes together.' },
    speed_mean_kmh: { type: 'number', unit: 'km/h', description: 'Mean speed.' },
    speed_v85_kmh: { type: 'number', unit: 'km/h', description: '85th percentile speed.' },
    uptime: { type: 'number', description: 'Fraction of the interval the counter was working (0–1).' },
    interval_s: { type: 'number', unit: 's', description: 'Length of the interval.' },
  },
  defaultField: 'count_total',
  toPoints(r, { tenant, deviceId, timeMs }) {
    const fields: Point['fields'] = { uptime: r.uptime, interval_s: r.intervalSeconds };
    let total = 0;
    for (const c of VEHICLE_CLASSES) {
      const n = r.counts[c];
      if (n !== undefined) {
        fields[`count_${c}`] = n;
        total += n;
      }
    }
    fields.count_total = total;
    if (r.speed?.meanKmh !== undefined) fields.speed_mean_kmh = r.speed.meanKmh;
    if (r.speed?.v85Kmh !== undefined) fields.speed_v85_kmh = r.speed.v85Kmh;
    const tags: Point['tags'] = {
      tenant,
      device: reportedDevice(deviceId, r.counterId),
      direction: r.direction,
    };
    if (r.lane !== undefined) tags.lane = String(r.lane);
    return [{ measurement: 'traffic', tags, fields, timeMs }];
  },
});
