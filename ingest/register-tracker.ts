import { normaliseMeterValue, type EnergyRecord, type Logger, type Point } from '../core/index.js';
import type { TimeSeriesStore } from '../store/index.js';

interface Reading {
  timeMs: number;
  value: number;
}

export interface RegisterReading {
  tenant: string;
  tags: Record<string, string>;
  record: EnergyRecord;
  timeMs: number;
}

/**
 * Turns cumulative register readings into interval consumption. The interval between two readings is stored at
 * the earlier reading's time (intervals are timestamped at their start, like interval records). A lower reading
 * than the last is a rollover when the meter declares `rolloverAt`, otherwise a reset: the new value is taken as
 * consumed since zero and the interval is flagged `reset` so models can leave it out.
 *
 * The last reading per meter is cached; after a restart it is read back from the store, so no interval is lost.
 */
export class RegisterTracker {
  private readonly last = new Map<string, Reading>();

  constructor(
    private readonly store: TimeSeriesStore,
    private readonly logger: Logger,
  ) {}

  async intervalFor(reading: RegisterReading): Promise<Point | undefined> {
    const { record, tags, timeMs } = reading;
    const current = normaliseMeterValue(record.value, record.unit);
    const registerField = `register_${current.unit}`;
    const key = `${reading.tenant}\u0000${tags.device}\u0000${tags.site}\u0000${tags.quantity}\u0000${current.unit}`;
    let previous = this.last.get(key);
    if (!previous || previous.timeMs > timeMs) {
      // Unknown meter (or a reading older than the last one): ask the store what came before this reading.
      const row = await this.store.latest({
        measurement: 'energy',
        tenant: reading.tenant,
        tags,
        field: registerField,
        beforeMs: timeMs,
      });
      previous = row && typeof row.value === 'number' ? { timeMs: row.timeMs, value: row.value } : undefined;
    }
    const cached = this.last.get(key);
    if (!cached || cached.timeMs <= timeMs) this.last.set(key, { timeMs, value: current.value });
    if (!previous || previous.timeMs >= timeMs) return undefined;

    let delta = current.value - previous.value;
    let flag: string | undefined;
    if (delta < 0) {
      if (record.rolloverAt !== undefined) {
        delta += normaliseMeterValue(record.rolloverAt, record.unit).value;
      } else {
        delta = current.value;
        flag = 'reset';
        this.logger.warn(
          { tenant: reading.tenant, device: tags.device, previous: previous.value, value: current.value },
          'meter register reset',
        );
      }
    }
    // Rounded to a nanounit: the subtraction of two large register values leaves float noise otherwise.
    const fields: Point['fields'] = {
      [current.unit]: Math.round(delta * 1e9) / 1e9,
      interval_s: (timeMs - previous.timeMs) / 1000,
    };
    if (flag) fields.flag = flag;
    return { measurement: 'energy', tags, fields, timeMs: previous.timeMs };
  }
}
