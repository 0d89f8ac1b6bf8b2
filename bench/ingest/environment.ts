import { startInfluxd, type InfluxServer } from '../../test/harness/influxd.js';
import { startMosquitto, type MosquittoServer } from '../../test/harness/mosquitto.js';
import type { BenchEnvironment } from './systems.js';

/** Mosquitto (as production configures it) and influxd, shared by every step of one invocation. */
export async function startEnvironment(): Promise<BenchEnvironment & { destroy(): Promise<void> }> {
  let mosquitto: MosquittoServer | undefined;
  let influx: InfluxServer | undefined;
  try {
    mosquitto = await startMosquitto({
      users: [{ username: 'bench', password: 'bench', acl: ['topic readwrite greenops/v1/#'] }],
    });
    influx = await startInfluxd('bench');
  } catch (err) {
    await mosquitto?.destroy();
    throw err;
  }
  const m = mosquitto;
  const i = influx;
  return {
    brokerUrl: m.url,
    brokerPid: () => m.pid(),
    username: 'bench',
    password: 'bench',
    influxUrl: i.url,
    influxPid: () => i.pid(),
    async destroy() {
      await m.destroy();
      await i.destroy();
    },
  };
}
