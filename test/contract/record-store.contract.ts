import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GreenopsError } from '../../core/index.js';
import {
  migrate,
  MIGRATION_LOCK_KEY,
  type MigrationReport,
  type MigrationSet,
  type RecordStore,
} from '../../store/index.js';
import { waitFor } from '../harness/wait-for.js';

export interface RecordStoreUnderTest {
  store: RecordStore;
  /**
   * Opens the same database again: after `store` is closed (the records must survive) or, on a shared server,
   * beside it (another replica). Needed when the adapter is `durable`.
   */
  openAgain?: () => Promise<RecordStore>;
  /** Closes `store` (if still open) and removes what the subject created. */
  close(): Promise<void>;
}

export interface RecordStoreTraits {
  /** Records survive closing and opening the database again (not an in-memory database). */
  durable?: boolean;
  /** A server several processes share (PostgreSQL), so replicas may migrate it at the same moment. */
  shared?: boolean;
}

let seq = 0;
/** Each test works in its own tables and migration components, so tests on one database never see each other. */
function fresh(prefix: string): string {
  seq += 1;
  return `${prefix}_${process.pid}_${seq}`;
}

const T = new Date('2026-01-05T10:11:12.345Z');

/**
 * The records contract every RecordStore adapter must pass: PGlite in memory, PGlite in a folder and a real
 * PostgreSQL. Records code is written once, so a value or an error that differs between them is an adapter bug.
 */
export function recordStoreContract(
  name: string,
  open: () => Promise<RecordStoreUnderTest>,
  { durable = false, shared = false }: RecordStoreTraits = {},
): void {
  describe(`RecordStore contract: ${name}`, () => {
    let subject: RecordStoreUnderTest;
    let store: RecordStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('binds $n parameters as values, never as SQL', async () => {
      const t = fresh('params');
      await store.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, name text)`);
      const hostile = `x'); DROP TABLE ${t}; --`;
      await store.query(`INSERT INTO ${t} (id, name) VALUES ($1, $2), ($3, $4)`, [1, 'aarhus', 2, hostile]);
      expect(await store.query(`SELECT id, name FROM ${t} WHERE name = $1`, [hostile])).toEqual([
        { id: 2, name: hostile },
      ]);
      expect(await store.query(`SELECT id FROM ${t} WHERE name = $1 OR id = $2`, [null, 1])).toEqual([
        { id: 1 },
      ]);
    });

    it('returns text[], jsonb, timestamptz, bigint, date, numeric and boolean as the same JavaScript values', async () => {
      const t = fresh('types');
      await store.query(`CREATE TABLE ${t} (
        id bigserial PRIMARY KEY, tags text[] NOT NULL, doc jsonb NOT NULL, at timestamptz NOT NULL,
        big bigint NOT NULL, day date NOT NULL, amount numeric(12, 2) NOT NULL, active boolean NOT NULL)`);
      const doc = {
        roles: ['viewer', 'fleet'],
        nested: { n: 1.5, none: null, ok: true },
        text: 'Aarhus Å "q"',
      };
      const tags = ['a', 'b,c', '"quoted"', '', 'æøå', 'with space'];
      await store.query(
        `INSERT INTO ${t} (tags, doc, at, big, day, amount, active) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [tags, JSON.stringify(doc), T, 9_007_199_254_740_993n, '2026-01-05', '1234.50', true],
      );
      const rows = await store.query(`SELECT * FROM ${t}`);
      expect(rows).toEqual([
        {
          id: 1,
          tags,
          doc,
          at: T,
          big: 9_007_199_254_740_993n,
          day: '2026-01-05',
          amount: '1234.50',
          active: true,
        },
      ]);
      expect(rows[0]?.at).toBeInstanceOf(Date);
    });

    it('returns int8 as a number while exact and as a bigint beyond 2^53, also in arrays and aggregates', async () => {
      const [row] = await store.query(
        `SELECT count(*) AS n, 9007199254740991::int8 AS max_safe, (-9007199254740993)::int8 AS below,
          ARRAY[1, 9007199254740993]::int8[] AS arr, sum(x)::int8 AS total
         FROM (VALUES (2), (3)) AS v(x)`,
      );
      expect(row).toEqual({
        n: 2,
        max_safe: 9_007_199_254_740_991,
        below: -9_007_199_254_740_993n,
        arr: [1, 9_007_199_254_740_993n],
        total: 5,
      });
    });

    it('takes jsonb as JSON text or a plain object and returns it parsed; NULL stays null', async () => {
      const rows = await store.query(
        'SELECT $1::jsonb AS a, $2::jsonb AS o, $3::jsonb AS s, $4::jsonb AS n, $5::text[] AS empty',
        [JSON.stringify([1, 'two', null]), { k: 'v' }, JSON.stringify('text'), null, []],
      );
      expect(rows).toEqual([{ a: [1, 'two', null], o: { k: 'v' }, s: 'text', n: null, empty: [] }]);
    });

    it('keeps the instant of a timestamptz whatever the session time zone', async () => {
      const t = fresh('zone');
      await store.query(`CREATE TABLE ${t} (at timestamptz)`);
      await store.transaction(async (tx) => {
        await tx.query(`SET LOCAL TIME ZONE 'Europe/Copenhagen'`);
        await tx.query(`INSERT INTO ${t} VALUES ($1), ('2026-07-01 02:00:00+02')`, [T]);
      });
      const rows = await store.query<{ at: Date }>(`SELECT at FROM ${t} ORDER BY at`);
      expect(rows.map((r) => r.at.toISOString())).toEqual([T.toISOString(), '2026-07-01T00:00:00.000Z']);
    });

    it('commits a transaction when the function resolves and returns its result', async () => {
      const t = fresh('commit');
      await store.query(`CREATE TABLE ${t} (id integer PRIMARY KEY)`);
      const result = await store.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES (1), (2)`);
        return (await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))[0]?.n;
      });
      expect(result).toBe(2);
      expect(await store.query(`SELECT id FROM ${t} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    });

    it('rolls back every statement when the function throws, and rethrows that very error', async () => {
      const t = fresh('rollback');
      await store.query(`CREATE TABLE ${t} (id integer PRIMARY KEY)`);
      const stale = new GreenopsError('PRECONDITION_FAILED', 'version 3 is stale');
      const attempt = store.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES (1)`);
        await tx.query(`CREATE TABLE ${t}_side (id integer)`);
        throw stale;
      });
      await expect(attempt).rejects.toBe(stale);
      expect(await store.query(`SELECT id FROM ${t}`)).toEqual([]);
      expect(await store.query(`SELECT to_regclass($1) AS side`, [`${t}_side`])).toEqual([{ side: null }]);
    });

    it('rolls back when a statement inside the transaction fails, and stays usable afterwards', async () => {
      const t = fresh('failing');
      await store.query(`CREATE TABLE ${t} (id integer PRIMARY KEY)`);
      await expect(
        store.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${t} VALUES (1)`);
          await tx.query(`INSERT INTO ${t} VALUES ('not a number')`);
        }),
      ).rejects.toMatchObject({ code: '22P02' });
      expect(await store.query(`SELECT id FROM ${t}`)).toEqual([]);
      await store.transaction((tx) => tx.query(`INSERT INTO ${t} VALUES (7)`));
      expect(await store.query(`SELECT id FROM ${t}`)).toEqual([{ id: 7 }]);
    });

    it('surfaces a unique violation as an error with SQLSTATE 23505 and the constraint, inside and outside a transaction', async () => {
      const t = fresh('uniq');
      await store.query(`CREATE TABLE ${t} (name text CONSTRAINT ${t}_name_key UNIQUE)`);
      await store.query(`INSERT INTO ${t} VALUES ($1)`, ['van-1']);
      const violation = { code: '23505', constraint: `${t}_name_key` };
      await expect(store.query(`INSERT INTO ${t} VALUES ($1)`, ['van-1'])).rejects.toMatchObject(violation);
      await expect(
        store.transaction((tx) => tx.query(`INSERT INTO ${t} VALUES ($1)`, ['van-1'])),
      ).rejects.toMatchObject(violation);
      expect(await store.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 1 }]);
    });

    it('appends rows with COPY: text with tabs, newlines and backslashes, nulls, numbers, booleans and instants as they are', async () => {
      const t = fresh('copy');
      await store.query(
        `CREATE TABLE ${t} (id text PRIMARY KEY, note text, n double precision, ok boolean, at timestamptz)`,
      );
      const odd = 'tab\there\nline\\back\rslash ø "quoted"';
      await store.copyRows(
        t,
        ['id', 'note', 'n', 'ok', 'at'],
        [
          ['a', odd, 1.25, true, T],
          ['b', null, -3, false, null],
          ['c', '\\N', 1e-7, null, T],
        ],
      );
      expect(await store.query(`SELECT id, note, n, ok, at FROM ${t} ORDER BY id`)).toEqual([
        { id: 'a', note: odd, n: 1.25, ok: true, at: T },
        { id: 'b', note: null, n: -3, ok: false, at: null },
        { id: 'c', note: '\\N', n: 1e-7, ok: null, at: T },
      ]);
    });

    it('COPY in a transaction rolls back with it, and a duplicate key fails the whole COPY with 23505', async () => {
      const t = fresh('copytx');
      await store.query(`CREATE TABLE ${t} (id text PRIMARY KEY)`);
      await expect(
        store.transaction(async (tx) => {
          await tx.copyRows(t, ['id'], [['a'], ['b']]);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await store.query(`SELECT count(*)::int AS n FROM ${t}`)).toEqual([{ n: 0 }]);
      await store.transaction((tx) => tx.copyRows(t, ['id'], [['a']]));
      await expect(store.copyRows(t, ['id'], [['b'], ['a']])).rejects.toMatchObject({ code: '23505' });
      await expect(store.transaction((tx) => tx.copyRows(t, ['id'], [['c'], ['a']]))).rejects.toMatchObject({
        code: '23505',
      });
      expect(await store.query(`SELECT id FROM ${t} ORDER BY id`)).toEqual([{ id: 'a' }]);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('migrate()', () => {
      const steps = (component: string, ...versions: number[]): MigrationSet => ({
        component,
        migrations: versions.map((v) => ({
          version: v,
          name: `step ${v}`,
          sql:
            v === 1
              ? `CREATE TABLE ${component} (step integer PRIMARY KEY)`
              : `INSERT INTO ${component} VALUES (${v})`,
        })),
      });

      it('applies each step once, in version order, and records it in schema_migrations', async () => {
        const c = fresh('mig_once');
        const set = { ...steps(c, 1, 2, 3), migrations: [...steps(c, 1, 2, 3).migrations].reverse() };
        expect((await migrate(store, [set])).applied).toEqual([
          { component: c, version: 1, name: 'step 1' },
          { component: c, version: 2, name: 'step 2' },
          { component: c, version: 3, name: 'step 3' },
        ]);
        expect((await migrate(store, [set])).applied).toEqual([]);
        expect(await store.query(`SELECT step FROM ${c} ORDER BY step`)).toEqual([{ step: 2 }, { step: 3 }]);
        const recorded = await store.query<{ version: number; name: string; applied_at: Date }>(
          'SELECT version, name, applied_at FROM schema_migrations WHERE component = $1 ORDER BY version',
          [c],
        );
        expect(recorded.map((r) => [r.version, r.name])).toEqual([
          [1, 'step 1'],
          [2, 'step 2'],
          [3, 'step 3'],
        ]);
        for (const r of recorded) expect(r.applied_at).toBeInstanceOf(Date);
      });

      it('applies only the new steps when a component adds one', async () => {
        const c = fresh('mig_grow');
        await migrate(store, [steps(c, 1, 2)]);
        expect((await migrate(store, [steps(c, 1, 2, 3)])).applied).toEqual([
          { component: c, version: 3, name: 'step 3' },
        ]);
        expect(await store.query(`SELECT step FROM ${c} ORDER BY step`)).toEqual([{ step: 2 }, { step: 3 }]);
      });

      it('refuses a database a newer greenops has migrated, naming the unknown version', async () => {
        const c = fresh('mig_newer');
        await migrate(store, [steps(c, 1, 2, 3)]);
        const older = migrate(store, [steps(c, 1, 2)]);
        await expect(older).rejects.toBeInstanceOf(GreenopsError);
        await expect(older).rejects.toMatchObject({
          code: 'INVALID_CONFIG',
          message: expect.stringMatching(new RegExp(`${c} has schema version 3`)),
        });
      });

      it('rolls back the whole run, every component, when one step fails', async () => {
        const [a, b] = [fresh('mig_ok'), fresh('mig_bad')];
        const broken: MigrationSet = {
          component: b,
          migrations: [...steps(b, 1).migrations, { version: 2, name: 'typo', sql: 'CREATE TABLEX nope ()' }],
        };
        await expect(migrate(store, [steps(a, 1, 2), broken])).rejects.toMatchObject({ code: '42601' });
        expect(await store.query('SELECT to_regclass($1) AS a, to_regclass($2) AS b', [a, b])).toEqual([
          { a: null, b: null },
        ]);
        expect(
          await store.query('SELECT component FROM schema_migrations WHERE component IN ($1, $2)', [a, b]),
        ).toEqual([]);
        const fixed = { component: b, migrations: steps(b, 1, 2).migrations };
        expect((await migrate(store, [steps(a, 1, 2), fixed])).applied).toHaveLength(4);
      });

      it('refuses a set whose versions repeat or are not positive integers, before touching the database', async () => {
        const c = fresh('mig_invalid');
        await expect(migrate(store, [steps(c, 1, 1)])).rejects.toThrow(
          /version 1 is not a new positive integer/,
        );
        await expect(migrate(store, [steps(c, 0)])).rejects.toThrow(/version 0/);
        expect(await store.query('SELECT to_regclass($1) AS t', [c])).toEqual([{ t: null }]);
      });
    });

    it.runIf(durable)(
      'keeps committed records and migrations when closed and opened again',
      // It creates a database of its own: initdb takes PGlite up to 20 s on a busy 2-core machine.
      { timeout: 90_000 },
      async () => {
        const own = await open();
        const c = fresh('durable');
        let reopened: RecordStore | undefined;
        try {
          await migrate(own.store, [steps1(c)]);
          await own.store.query(`INSERT INTO ${c} VALUES ($1)`, ['kept']);
          await own.store.close();
          reopened = await own.openAgain!();
          expect(await reopened.query(`SELECT note FROM ${c}`)).toEqual([{ note: 'kept' }]);
          expect((await migrate(reopened, [steps1(c)])).applied).toEqual([]);
        } finally {
          await reopened?.close();
          await own.close();
        }
      },
    );

    it.runIf(shared)(
      'applies each step exactly once when two replicas migrate the same database at the same moment',
      async () => {
        const own = await open();
        const [a, b] = [await own.openAgain!(), await own.openAgain!()];
        const c = fresh('race');
        const set: MigrationSet = {
          component: c,
          migrations: [
            { version: 1, name: 'table', sql: `CREATE TABLE ${c} (replica integer)` },
            { version: 2, name: 'row', sql: `INSERT INTO ${c} VALUES (pg_backend_pid())` },
          ],
        };
        try {
          // Hold the migration lock so that both replicas are surely inside migrate() and queued on it together.
          let both: Promise<MigrationReport[]> | undefined;
          await own.store.transaction(async (tx) => {
            await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
            both = Promise.all([migrate(a, [set]), migrate(b, [set])]);
            both.catch(() => undefined); // awaited below, once committing has released the lock
            await waitFor('both replicas waiting on the migration lock', async () => {
              const [row] = await a.query<{ n: number }>(
                `SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
               WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted`,
              );
              return row?.n === 2 ? true : undefined;
            });
          });
          const reports = await both!;
          expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 2]);
          expect(await own.store.query(`SELECT count(*) AS n FROM ${c}`)).toEqual([{ n: 1 }]);
          expect(
            await own.store.query(
              'SELECT version FROM schema_migrations WHERE component = $1 ORDER BY version',
              [c],
            ),
          ).toEqual([{ version: 1 }, { version: 2 }]);
        } finally {
          await a.close();
          await b.close();
          await own.close();
        }
      },
    );
  });
}

function steps1(component: string): MigrationSet {
  return {
    component,
    migrations: [{ version: 1, name: 'notes', sql: `CREATE TABLE ${component} (note text)` }],
  };
}
