import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefectTracker } from '../../models/index.js';
import type { IngestService } from '../../ingest/index.js';
import type { AccessApi } from '../harness/access-api.js';
import { bearer } from '../harness/access.js';
import { roadMessages, startRoadApi, type RoadApi } from '../harness/road-api.js';

describe('road defects through the real ingest, records store and API', () => {
  let road: RoadApi;
  let api: AccessApi;
  let ingest: IngestService;
  let tracker: DefectTracker;
  let keys: Record<'roads' | 'viewer', string>;
  const all = roadMessages({ days: 3, cameras: 2, seed: 4 });
  const call = async (method: string, path: string, key: string, body?: unknown, headers = {}) => {
    const res = await fetch(api.base + path, {
      method,
      headers: {
        ...bearer(key),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { text };
    }
    return { status: res.status, headers: res.headers, body: json };
  };

  beforeAll(async () => {
    road = await startRoadApi(all);
    ({ api, ingest, tracker } = road);
    keys = {
      roads: await api.access.key('roads', 'aarhus'),
      viewer: await api.access.key('viewer', 'aarhus'),
    };
  }, 180_000);

  afterAll(() => road?.stop());
  it('lists the defects the cameras found, each once, with the fields the issue names', async () => {
    const res = await call('GET', '/api/v1/road/defects?corroborated=true', keys.viewer);
    expect(res.status).toBe(200);
    const defects = res.body.defects as Record<string, unknown>[];
    expect(defects.length).toBeGreaterThan(5);
    for (const d of defects)
      for (const f of [
        'id',
        'damage',
        'status',
        'severity',
        'priority',
        'lat',
        'lon',
        'sightings',
        'firstSeen',
        'lastSeen',
      ])
        expect(d, f).toHaveProperty(f);
    const priorities = defects.map((d) => d.priority as number);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
  });

  it('changes nothing when every message is delivered again (ids and counts stable)', async () => {
    const before = await call('GET', '/api/v1/road/defects?limit=5000', keys.viewer);
    await Promise.all(all.slice(0, 2000).map((m) => ingest.submit(m.topic, m.payload)));
    const after = await call('GET', '/api/v1/road/defects?limit=5000', keys.viewer);
    const summary = (r: typeof before) =>
      (r.body.defects as { id: string; sightings: number }[]).map((d) => `${d.id}:${d.sightings}`).sort();
    expect(summary(after)).toEqual(summary(before));
    expect(tracker.stats.skipped).toBeGreaterThan(0);
  });

  it('lets roads confirm with If-Match, refuses a stale one and a viewer, and audits the decision', async () => {
    const [top] = (await call('GET', '/api/v1/road/defects?corroborated=true&status=new', keys.roads)).body
      .defects as { id: string }[];
    const one = await call('GET', `/api/v1/road/defects/${top!.id}`, keys.roads);
    expect((one.body.sightings as unknown[]).length).toBeGreaterThan(0);
    const etag = one.headers.get('etag')!;
    expect(
      (await call('POST', `/api/v1/road/defects/${top!.id}/decision`, keys.viewer, { decision: 'confirm' }))
        .status,
    ).toBe(403);
    const stale = await call(
      'POST',
      `/api/v1/road/defects/${top!.id}/decision`,
      keys.roads,
      { decision: 'confirm' },
      { 'if-match': '"999"' },
    );
    expect(stale.status).toBe(412);
    const ok = await call(
      'POST',
      `/api/v1/road/defects/${top!.id}/decision`,
      keys.roads,
      { decision: 'confirm', note: 'seen on site' },
      { 'if-match': etag },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('confirmed');
    const again = await call('GET', `/api/v1/road/defects/${top!.id}`, keys.roads);
    expect(again.body.history).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'confirm', to: 'confirmed' })]),
    );
    expect(again.body.audit).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'road.confirm' })]),
    );
  });

  it('refuses a rejection without a reason, naming the field, and counts false positives in precision', async () => {
    const list = (await call('GET', '/api/v1/road/defects?status=new&limit=50', keys.roads)).body.defects as {
      id: string;
    }[];
    const bad = await call('POST', `/api/v1/road/defects/${list[0]!.id}/decision`, keys.roads, {
      decision: 'reject',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('reason');
    const bulk = await call('POST', '/api/v1/road/defects/bulk-decision', keys.roads, {
      ids: list.slice(0, 3).map((d) => d.id),
      decision: 'reject',
      reason: 'false_positive',
    });
    expect(bulk.status).toBe(200);
    const precision = await call('GET', '/api/v1/road/precision', keys.viewer);
    const classes = precision.body.classes as {
      falsePositives: number;
      confirmed: number;
      modelVersion: string;
    }[];
    expect(classes.reduce((s, c) => s + c.falsePositives, 0)).toBe(3);
    expect(classes.reduce((s, c) => s + c.confirmed, 0)).toBe(1);
    expect(classes.every((c) => c.modelVersion === 'rdd-yolo-sim-1')).toBe(true);
    const card = await call('GET', '/api/v1/models/road-damage-detector', keys.viewer);
    const evaluation = card.body.evaluation as { dataset: string; source: string }[];
    expect(evaluation.length).toBe(classes.length);
    expect(evaluation.every((e) => e.dataset.includes('detector rdd-yolo-sim-1'))).toBe(true);
    expect(card.body.version).toBe('rdd-yolo-sim-1');
  });

  it('orders work for a confirmed defect, marks it repaired when done, and reopens it when seen again', async () => {
    const [confirmed] = (await call('GET', '/api/v1/road/defects?status=confirmed', keys.roads)).body
      .defects as {
      id: string;
      damage: string;
      lat: number;
      lon: number;
    }[];
    const order = await call('POST', '/api/v1/road/work-orders', keys.roads, {
      defectIds: [confirmed!.id],
      assignee: 'Vejdrift hold 2',
      dueDate: '2026-12-31',
    });
    expect(order.status).toBe(201);
    const done = await call('PATCH', `/api/v1/road/work-orders/${order.body.id as string}`, keys.roads, {
      status: 'done',
    });
    expect(done.status).toBe(200);
    expect((await call('GET', `/api/v1/road/defects/${confirmed!.id}`, keys.roads)).body.status).toBe(
      'repaired',
    );
    const later = Date.now() + 60_000;
    await tracker.addDetection({
      id: 'seen-after-repair',
      tenant: 'aarhus',
      device: 'camera-001',
      vehicle: 'sweeper-01',
      timeMs: later,
      lat: confirmed!.lat,
      lon: confirmed!.lon,
      headingDeg: undefined,
      damage: confirmed!.damage as 'D40',
      confidence: 0.9,
      bbox: { x: 0.1, y: 0.6, w: 0.2, h: 0.1 },
      imageRef: undefined,
      modelVersion: 'rdd-yolo-sim-1',
    });
    const reopened = await call('GET', `/api/v1/road/defects/${confirmed!.id}`, keys.roads);
    expect(reopened.body.status).toBe('new');
    expect(reopened.body.history).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'reopen' })]),
    );
  });

  it('gives the map lean rows (format=map) in the queue order with the same defects, gzipped when accepted', async () => {
    const full = await call('GET', '/api/v1/road/defects?status=new&limit=20000', keys.viewer);
    const res = await fetch(`${api.base}/api/v1/road/defects?status=new&format=map`, {
      headers: { ...bearer(keys.viewer), 'accept-encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    const map = (await res.json()) as { total: number; fields: string[]; defects: unknown[][] };
    expect(map.fields).toEqual([
      'id',
      'lat',
      'lon',
      'severity',
      'priority',
      'status',
      'damage',
      'corroborated',
    ]);
    const objects = full.body.defects as Record<string, unknown>[];
    expect(map.total).toBe(full.body.total);
    expect(map.defects).toEqual(
      objects.map((d) => [d.id, d.lat, d.lon, d.severity, d.priority, d.status, d.damage, d.corroborated]),
    );
    // Large enough to be worth compressing only with many defects; a small answer goes as it is.
    const encoding = res.headers.get('content-encoding');
    expect(encoding === 'gzip' || JSON.stringify(map).length < 16 * 1024).toBe(true);
    const bad = await call('GET', '/api/v1/road/defects?format=dots', keys.viewer);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('format');
  });

  it('exports open defects as CSV and GeoJSON, and refuses a bad bbox naming it', async () => {
    const csv = await call('GET', '/api/v1/road/defects?format=csv&status=new', keys.viewer);
    expect(String(csv.body.text).split('\r\n')[0]).toBe(
      'id,damage,damage_da,status,severity,priority,lat,lon,first_seen,last_seen,sightings,confidence,aadt,work_order,assignee,due_date',
    );
    const geo = await call('GET', '/api/v1/road/defects?format=geojson', keys.viewer);
    expect(geo.body.type).toBe('FeatureCollection');
    const bad = await call('GET', '/api/v1/road/defects?bbox=1,2,3', keys.viewer);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('bbox');
  });

  it('reports the stretches camera vehicles passed', async () => {
    const res = await call('GET', '/api/v1/road/coverage?notInspectedDays=1', keys.viewer);
    expect(res.status).toBe(200);
    expect(res.body.inspected as number).toBeGreaterThan(20);
  });
});
