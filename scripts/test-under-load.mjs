#!/usr/bin/env node
// Runs the whole suite with CPU-bound processes beside it, as on a shared CI machine (issue 18):
//   npm run test:under-load              two busy processes, one run
//   npm run test:under-load -- 3 2       three runs in a row, two busy processes
// The busy processes are ended when the suite ends, whatever its result; the exit code is the suite's (the first
// failing run's).
import { spawn } from 'node:child_process';

const runs = Number(process.argv[2] ?? 1);
const busy = Number(process.argv[3] ?? 2);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(busy) || busy < 0) {
  console.error('usage: npm run test:under-load -- [runs ≥ 1] [busy processes ≥ 0]');
  process.exit(2);
}

// Each burner is a bounded loop (it stops by itself after an hour) so nothing is left spinning if we are killed.
const burner =
  'const end = Date.now() + 3_600_000; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1_000_003;';
const burners = Array.from({ length: busy }, () =>
  spawn(process.execPath, ['-e', burner], { stdio: 'ignore' }),
);
const stopBurners = () => burners.forEach((b) => b.kill('SIGKILL'));
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

let code = 0;
for (let run = 1; run <= runs && code === 0; run++) {
  console.log(`\n=== npm test, run ${run} of ${runs}, with ${busy} CPU-bound processes beside it ===\n`);
  const started = Date.now();
  code = await new Promise((resolve) => {
    const child = spawn('npm', ['test'], { stdio: 'inherit' });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  console.log(`=== run ${run}: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s ===`);
}
stopBurners();
process.exit(code);
