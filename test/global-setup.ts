import { ensureDebianPackages } from './harness/debian-packages.js';

/** Once per `npm test`: make sure the real servers the integration suites start are installed. */
export default function setup(): void {
  const missing = ensureDebianPackages();
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI needs these servers installed: ${missing.join(', ')}`);
  }
}
