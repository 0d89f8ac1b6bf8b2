import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utm32, type DefectTracker } from '../../models/index.js';
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
  /** The defect whose work order was done and which was seen again after (set by the work-order test). */
  let reopenedId: string | undefined;
  const day = 86_400_000;
  const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
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
    road = await startRoadApi(all, { roadFramesUrl: 'https://frames.aarhus.example/road/' });
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
    const sightings = one.body.sightings as { imageRef: string | null; imageUrl: string | null }[];
    expect(sightings.length).toBeGreaterThan(0);
    // Each frame's link: its reference appended to GREENOPS_ROAD_FRAMES_URL (one slash between).
    for (const s of sightings.filter((x) => x.imageRef))
      expect(s.imageUrl).toBe(`https://frames.aarhus.example/road/${s.imageRef!.replace(/^\/+/, '')}`);
    expect(sightings.some((x) => x.imageRef)).toBe(true);
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
      dueDate: isoDate(Date.now() + 28 * day),
      notes: 'Slaghul; afspær vognbanen',
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
    reopenedId = confirmed!.id;
  });

  it('exports work orders with their status, notes and times, and a defect reopened since with its current status', async () => {
    const csv = await fetch(`${api.base}/api/v1/road/work-orders?format=csv`, {
      headers: bearer(keys.viewer),
    });
    expect(csv.status).toBe(200);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    // UTF-8 byte order mark, for Excel in a Danish locale.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).slice(1);
    const [header, ...lines] = text.trimEnd().split('\r\n');
    const columns = header!.split(',');
    expect(columns).toEqual(
      expect.arrayContaining([
        'x_25832',
        'y_25832',
        'work_order_status',
        'work_order_notes',
        'work_order_created',
        'work_order_updated',
      ]),
    );
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
    const row = rows.find((r) => r.id === reopenedId);
    expect(row).toMatchObject({
      status: 'new',
      work_order_status: 'done',
      work_order_notes: 'Slaghul; afspær vognbanen',
    });
    expect(Date.parse(row!.work_order_updated!)).toBeGreaterThanOrEqual(Date.parse(row!.work_order_created!));
    expect(row!.x_25832).toBe(String(utm32(Number(row!.lat), Number(row!.lon)).x));
    const geo = await call('GET', '/api/v1/road/work-orders?format=geojson&status=done', keys.viewer);
    const features = geo.body.features as {
      geometry: { coordinates: number[] };
      properties: Record<string, unknown>;
    }[];
    const feature = features.find((f) => f.properties.id === reopenedId);
    expect(feature?.properties).toMatchObject({ status: 'new', work_order_status: 'done' });
    const [lon, lat] = feature!.geometry.coordinates as [number, number];
    expect(feature!.properties.x_25832).toBe(utm32(lat, lon).x);
    expect(feature!.properties.y_25832).toBe(utm32(lat, lon).y);
  });

  it('refuses a past due date and unknown body fields naming them, and allows today', async () => {
    const [confirmed] = (
      await call('POST', '/api/v1/road/defects/bulk-decision', keys.roads, {
        ids: (
          (await call('GET', '/api/v1/road/defects?status=new&limit=1', keys.roads)).body.defects as {
            id: string;
          }[]
        ).map((d) => d.id),
        decision: 'confirm',
      })
    ).body.results as { id: string }[];
    const past = await call('POST', '/api/v1/road/work-orders', keys.roads, {
      defectIds: [confirmed!.id],
      assignee: 'Vejdrift hold 1',
      dueDate: isoDate(Date.now() - 2 * day),
    });
    expect(past.status).toBe(400);
    expect((past.body.error as { field: string }).field).toBe('dueDate');
    const typo = await call('POST', '/api/v1/road/work-orders', keys.roads, {
      defectIds: [confirmed!.id],
      assignee: 'Vejdrift hold 1',
      due: isoDate(Date.now()),
    });
    expect(typo.status).toBe(400);
    expect((typo.body.error as { field: string }).field).toBe('due');
    const today = await call('POST', '/api/v1/road/work-orders', keys.roads, {
      defectIds: [confirmed!.id],
      assignee: 'Vejdrift hold 1',
      dueDate: isoDate(Date.now()),
    });
    expect(today.status).toBe(201);
    const patch = await call('PATCH', `/api/v1/road/work-orders/${today.body.id as string}`, keys.roads, {
      staus: 'done',
    });
    expect(patch.status).toBe(400);
    expect((patch.body.error as { field: string }).field).toBe('staus');
    const patchPast = await call('PATCH', `/api/v1/road/work-orders/${today.body.id as string}`, keys.roads, {
      dueDate: isoDate(Date.now() - 2 * day),
    });
    expect((patchPast.body.error as { field: string }).field).toBe('dueDate');
    const [other] = (await call('GET', '/api/v1/road/defects?status=new&limit=1', keys.roads)).body
      .defects as { id: string }[];
    const decision = await call('POST', `/api/v1/road/defects/${other!.id}/decision`, keys.roads, {
      decision: 'confirm',
      comment: 'on site',
    });
    expect(decision.status).toBe(400);
    expect((decision.body.error as { field: string }).field).toBe('comment');
    expect((await call('GET', `/api/v1/road/defects/${other!.id}`, keys.roads)).body.status).toBe('new');
  });

  it('refuses a request with two Authorization headers (for every route: it is where credentials are read)', async () => {
    const raw = (path: string, authorizations: string[]) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(api.base);
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            [
              `GET ${path} HTTP/1.1`,
              `Host: ${url.host}`,
              ...authorizations.map((a) => `Authorization: ${a}`),
              'Connection: close',
              '',
              '',
            ].join('\r\n'),
          );
        });
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const two = await raw('/api/v1/road/defects?limit=1', [`Bearer ${keys.viewer}`, `Bearer ${keys.roads}`]);
    expect(two.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(two).toContain('"field":"Authorization"');
    const twoElsewhere = await raw('/api/v1/road/precision', [
      `Bearer ${keys.roads}`,
      `Bearer ${keys.roads}`,
    ]);
    expect(twoElsewhere.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    const joined = await call('GET', '/api/v1/road/defects?limit=1', keys.viewer, undefined, {
      authorization: `Bearer ${keys.viewer}, Bearer ${keys.roads}`,
    });
    expect(joined.status).toBe(400);
    const one = await raw('/api/v1/road/defects?limit=1', [`Bearer ${keys.viewer}`]);
    expect(one.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
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
    // fetch's text() drops the byte order mark (checked on the bytes in the work-order export test).
    const [header, first] = String(csv.body.text).split('\r\n');
    expect(header).toBe(
      'id,damage,damage_da,status,severity,priority,lat,lon,x_25832,y_25832,first_seen,last_seen,sightings,' +
        'confidence,aadt,work_order,work_order_status,assignee,due_date,work_order_notes,work_order_created,' +
        'work_order_updated',
    );
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [, , , , , , lat, lon, x, y] = first!.split(',');
    // Aarhus in EPSG:25832: about 574 km east, 6223 km north.
    expect(Number(x)).toBeGreaterThan(540_000);
    expect(Number(x)).toBeLessThan(600_000);
    expect(Number(y)).toBeGreaterThan(6_200_000);
    expect(Number(y)).toBeLessThan(6_250_000);
    expect({ x: Number(x), y: Number(y) }).toEqual(utm32(Number(lat), Number(lon)));
    const geo = await call('GET', '/api/v1/road/defects?format=geojson', keys.viewer);
    expect(geo.body.type).toBe('FeatureCollection');
    const feature = (geo.body.features as { properties: Record<string, unknown> }[])[0]!;
    expect(feature.properties).toHaveProperty('x_25832');
    expect(feature.properties).not.toHaveProperty('lat');
    const bad = await call('GET', '/api/v1/road/defects?bbox=1,2,3', keys.viewer);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('bbox');
  });

  it('reports the stretches camera vehicles passed', async () => {
    const res = await call('GET', '/api/v1/road/coverage?notInspectedDays=1', keys.viewer);
    expect(res.status).toBe(200);
    expect(res.body.inspected as number).toBeGreaterThan(20);
  });

  it('lists an automatic merge under status=merged and records it in both defects’ history', async () => {
    // Far from the simulated roads: a pothole seen at P, one 7 m north (beyond the 5 m radius: a second defect),
    // then sightings 3 m north that pull the first towards the second until they are within 5 m and merge.
    const p = { lat: 55.5, lon: 9.5 };
    const north = (m: number) => p.lat + m / 111_320;
    const t0 = Date.now() - 3_600_000;
    const detection = (id: string, lat: number, timeMs: number) => ({
      id,
      tenant: 'aarhus',
      device: 'camera-009',
      vehicle: 'sweeper-09',
      timeMs,
      lat,
      lon: p.lon,
      headingDeg: undefined,
      damage: 'D40' as const,
      confidence: 0.8,
      bbox: { x: 0.1, y: 0.6, w: 0.2, h: 0.1 },
      imageRef: undefined,
      modelVersion: 'rdd-yolo-sim-1',
    });
    await tracker.addDetection(detection('merge-a', p.lat, t0));
    await tracker.addDetection(detection('merge-b', north(7), t0 + 1000));
    const bbox = `${p.lon - 0.001},${p.lat - 0.001},${p.lon + 0.001},${p.lat + 0.001}`;
    const before = (await call('GET', `/api/v1/road/defects?bbox=${bbox}`, keys.viewer)).body.defects as {
      id: string;
      lat: number;
    }[];
    expect(before).toHaveLength(2);
    const sorted = [...before].sort((a, b) => a.lat - b.lat);
    const first = sorted[0]!;
    const second = sorted[1]!;
    for (let i = 0; i < 6; i++) await tracker.addDetection(detection(`merge-c${i}`, north(3), t0 + 2000 + i));
    const merged = await call('GET', `/api/v1/road/defects?status=merged&bbox=${bbox}`, keys.viewer);
    expect(merged.body.total).toBe(1);
    expect(merged.body.defects).toEqual([
      expect.objectContaining({ id: second.id, status: 'merged', mergedInto: first.id }),
    ]);
    // Without status=merged the merged one stays out of the lists.
    const open = await call('GET', `/api/v1/road/defects?bbox=${bbox}`, keys.viewer);
    expect((open.body.defects as { id: string }[]).map((d) => d.id)).toEqual([first.id]);
    const gone = await call('GET', `/api/v1/road/defects/${second.id}`, keys.viewer);
    expect(gone.body.history).toEqual([
      expect.objectContaining({
        action: 'merge',
        to: 'merged',
        by: 'greenops:clustering',
        detail: { into: first.id },
      }),
    ]);
    const kept = await call('GET', `/api/v1/road/defects/${first.id}`, keys.viewer);
    expect(kept.body.history).toEqual([
      expect.objectContaining({
        action: 'merged-in',
        by: 'greenops:clustering',
        detail: { from: second.id },
      }),
    ]);
    expect((kept.body.sightings as unknown[]).length).toBe(8);
  });
});
