import { createLogger } from '../core/index.js';
import { EmbeddedBroker } from '../broker/index.js';
import { MqttAccess } from '../access/index.js';

// The embedded broker in its own process, so the benchmark measures the ingest's CPU and memory alone.
const broker = new EmbeddedBroker({
  port: 0,
  logger: createLogger({ level: 'warn' }),
  access: new MqttAccess({ allowAnonymous: true }),
});
console.log(`broker ${await broker.start()}`);
process.on('SIGTERM', () => void broker.stop().then(() => process.exit(0)));
