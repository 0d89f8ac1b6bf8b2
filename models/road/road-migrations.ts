import type { MigrationSet } from '../../store/index.js';

/**
 * Road defects, their sightings, the review history, work orders and coverage. A defect's id is derived from its
 * first detection (stable across restarts and replays); a sighting's key is the detection id, so a detection
 * delivered twice is counted once.
 */
export const ROAD_MIGRATIONS: MigrationSet = {
  component: 'road',
  migrations: [
    {
      version: 1,
      name: 'road defects, sightings, reviews, work orders, coverage',
      sql: `
        CREATE TABLE road_defects (
          id text PRIMARY KEY,
          tenant text NOT NULL,
          damage text NOT NULL,
          status text NOT NULL DEFAULT 'new',
          lat double precision NOT NULL,
          lon double precision NOT NULL,
          sightings integer NOT NULL,
          drives integer NOT NULL,
          first_seen timestamptz NOT NULL,
          last_seen timestamptz NOT NULL,
          confidence real NOT NULL,
          corroborated boolean NOT NULL,
          severity integer NOT NULL,
          severity_override integer,
          exposure_aadt real NOT NULL,
          exposure_source text NOT NULL,
          priority real NOT NULL,
          missed_passes integer NOT NULL,
          misses_since_seen integer NOT NULL,
          model_versions text[] NOT NULL,
          state jsonb NOT NULL,
          reason text,
          merged_into text,
          repaired_at timestamptz,
          version integer NOT NULL DEFAULT 1,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX road_defects_queue ON road_defects (tenant, status, priority DESC);
        CREATE TABLE road_sightings (
          tenant text NOT NULL,
          detection_id text NOT NULL,
          defect_id text NOT NULL,
          ts timestamptz NOT NULL,
          device text NOT NULL,
          vehicle text,
          confidence real NOT NULL,
          box_area real NOT NULL,
          image_ref text,
          model_version text,
          damage text NOT NULL,
          lat double precision NOT NULL,
          lon double precision NOT NULL,
          heading real,
          seq bigserial NOT NULL,
          PRIMARY KEY (tenant, detection_id)
        );
        CREATE INDEX road_sightings_seq ON road_sightings USING brin (seq);
        CREATE TABLE road_checkpoint (id integer PRIMARY KEY, seq bigint NOT NULL);
        CREATE INDEX road_sightings_defect ON road_sightings (defect_id, ts DESC);
        CREATE TABLE road_history (
          id bigserial PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          tenant text NOT NULL,
          defect_id text NOT NULL,
          action text NOT NULL,
          from_status text,
          to_status text,
          reason text,
          note text,
          damage text,
          model_version text,
          actor_id text NOT NULL,
          actor_name text,
          detail jsonb
        );
        CREATE INDEX road_history_defect ON road_history (defect_id, id);
        CREATE INDEX road_history_decisions ON road_history (tenant, action, id);
        CREATE TABLE road_work_orders (
          id text PRIMARY KEY,
          tenant text NOT NULL,
          defect_ids text[] NOT NULL,
          status text NOT NULL,
          assignee text NOT NULL,
          due_date date,
          notes text,
          created_at timestamptz NOT NULL DEFAULT now(),
          created_by text NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          version integer NOT NULL DEFAULT 1
        );
        CREATE INDEX road_work_orders_tenant ON road_work_orders (tenant, status, created_at DESC);
        CREATE TABLE road_coverage (
          tenant text NOT NULL,
          cell text NOT NULL,
          lat double precision NOT NULL,
          lon double precision NOT NULL,
          last_pass timestamptz NOT NULL,
          passes integer NOT NULL,
          vehicles text[] NOT NULL,
          PRIMARY KEY (tenant, cell)
        );`,
    },
    {
      version: 2,
      name: 'leaner sighting appends: a batch number given by the tracker instead of a sequence, one defect index',
      // Sightings are appended with COPY at up to a million a run: each index and the sequence cost a share of every
      // row. The checkpoint now names the last batch whose defects are written (existing rows count as batch 0).
      sql: `
        DROP INDEX road_sightings_seq;
        ALTER TABLE road_sightings DROP COLUMN seq;
        ALTER TABLE road_sightings ADD COLUMN batch bigint NOT NULL DEFAULT 0;
        CREATE INDEX road_sightings_batch ON road_sightings USING brin (batch);
        DROP INDEX road_sightings_defect;
        CREATE INDEX road_sightings_defect ON road_sightings (defect_id);
        UPDATE road_checkpoint SET seq = 0;`,
    },
    {
      version: 3,
      name: 'merged defects by alias: their sightings stay where they are and are read through the alias',
      // An automatic merge used to rewrite every stored sighting of the merged defect (an UPDATE of the largest
      // table per merge, thousands of merges a million detections). A merge now adds one alias row; reads of a
      // defect's sightings and the replay after a crash follow the aliases. A merge of a defect that was never
      // written as a row (founded and merged between two defect flushes) is recorded here too.
      sql: `
        CREATE TABLE road_defect_aliases (
          id text PRIMARY KEY,
          tenant text NOT NULL,
          into_id text NOT NULL
        );
        CREATE INDEX road_defect_aliases_into ON road_defect_aliases (into_id);`,
    },
    {
      version: 4,
      name: 'narrower sightings: time as epoch milliseconds, coordinates as integers of 1e-7 degrees',
      // The sightings COPY is most of a million detections' write, and most of it is parsing the row: a timestamptz
      // and two doubles per sighting are the costliest fields. Rows already stored are converted (1e-7° is about
      // 1 cm); the defect page and the crash replay read the new columns.
      sql: `
        CREATE TABLE road_sightings_narrow (
          tenant text NOT NULL,
          detection_id text NOT NULL,
          defect_id text NOT NULL,
          ts_ms bigint NOT NULL,
          device text NOT NULL,
          vehicle text,
          confidence real NOT NULL,
          box_area real NOT NULL,
          image_ref text,
          model_version text,
          damage text NOT NULL,
          lat_e7 integer NOT NULL,
          lon_e7 integer NOT NULL,
          heading real,
          batch bigint NOT NULL DEFAULT 0
        );
        INSERT INTO road_sightings_narrow
          SELECT tenant, detection_id, defect_id, round(extract(epoch FROM ts) * 1000)::bigint, device, vehicle,
            confidence, box_area, image_ref, model_version, damage, round(lat * 1e7)::integer,
            round(lon * 1e7)::integer, heading, batch
          FROM road_sightings;
        DROP TABLE road_sightings;
        ALTER TABLE road_sightings_narrow RENAME TO road_sightings;
        ALTER TABLE road_sightings ADD PRIMARY KEY (tenant, detection_id);
        CREATE INDEX road_sightings_batch ON road_sightings USING brin (batch);
        CREATE INDEX road_sightings_defect ON road_sightings (defect_id);`,
    },
  ],
};
