import { createMemoryLogger } from '../../core/index.js';
import { CameraVehicleSimulator, RoadSimulator, type StreamSimulator } from '../../edge/index.js';
import { IngestService } from '../../ingest/index.js';
import {
  CounterExposure,
  DefectTracker,
  OVERSIGHT_MIGRATIONS,
  OversightLog,
  ROAD_MIGRATIONS,
  RoadDefects,
  TransparencyService,
  roadIngestHooks,
} from '../../models/index.js';
import { migrate } from '../../store/index.js';
import type { ApiOptions } from '../../api/index.js';
import { startAccessApi, type AccessApi } from './access-api.js';

const DAY = 86_400_000;

export interface Message {
  topic: string;
  payload: Buffer;
}

/** `days` of simulated cameras and their vehicles up to now, as the MQTT messages they publish, in time order. */
export function roadMessages(options: {
  days: number;
  cameras: number;
  seed: number;
  tenant?: string;
}): Message[] {
  const start = Date.now() - options.days * DAY;
  const sims: StreamSimulator[] = [
    new RoadSimulator({ devices: options.cameras, seed: options.seed, startMs: start }),
    new CameraVehicleSimulator({ devices: options.cameras, seed: options.seed, startMs: start }),
  ];
  const out: Message[] = [];
  const end = Date.now() - 60_000;
  for (;;) {
    let next: { sim: StreamSimulator; device: number; t: number } | undefined;
    for (const sim of sims)
      sim.deviceIds.forEach((_, device) => {
        const t = sim.nextTime(device);
        if (!next || t < next.t) next = { sim, device, t };
      });
    if (!next || next.t >= end) break;
    const records = next.sim.emit(next.device);
    if (records.length > 0)
      out.push({
        topic: `greenops/v1/${options.tenant ?? 'aarhus'}/${next.sim.stream}/${next.sim.deviceIds[next.device]}`,
        payload: Buffer.from(JSON.stringify(records)),
      });
  }
  return out;
}

export interface RoadApi {
  api: AccessApi;
  ingest: IngestService;
  tracker: DefectTracker;
  stop(): Promise<void>;
}

/**
 * The real API with road defects: an in-process ingest whose road hook feeds a defect tracker on the API's
 * PGlite records store, the transparency cards, and the given messages submitted through the ingest.
 */
export async function startRoadApi(
  messages: readonly Message[],
  extra: Partial<ApiOptions> = {},
): Promise<RoadApi> {
  let tracker: DefectTracker | undefined;
  let ingest: IngestService | undefined;
  const api = await startAccessApi(async ({ access, db }) => {
    await migrate(access.records, [ROAD_MIGRATIONS, OVERSIGHT_MIGRATIONS]);
    tracker = new DefectTracker({
      records: access.records,
      exposure: new CounterExposure({ locations: {}, maxDistanceM: 500, defaultAadt: 3000 }),
      logger: createMemoryLogger().logger,
    });
    await tracker.start();
    ingest = new IngestService({
      store: db.store,
      deadLetters: db.deadLetters,
      logger: createMemoryLogger().logger,
      flushMs: 5,
      hooks: roadIngestHooks(tracker),
    });
    await ingest.start();
    const roadDefects = new RoadDefects(access.records);
    const oversight = new OversightLog(access.records);
    return {
      roadDefects,
      roadTracker: tracker,
      oversight,
      consoleTileUrl: undefined,
      transparency: new TransparencyService({
        oversight,
        grid: { kgPerKwh: 0.12, source: 'test factor' },
        organisation: 'Aarhus Kommune',
        contact: 'dpo@aarhus.example',
        retention: [],
        roadPrecision: (tenant) => roadDefects.precision(tenant),
      }),
      ...extra,
    };
  });
  const started = { ingest: ingest as IngestService, tracker: tracker as DefectTracker };
  await Promise.all(messages.map((m) => started.ingest.submit(m.topic, m.payload)));
  return {
    api,
    ...started,
    async stop() {
      await started.ingest.stop();
      await started.tracker.stop();
      await api.stop();
    },
  };
}
