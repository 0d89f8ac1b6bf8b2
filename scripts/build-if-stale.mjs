#!/usr/bin/env node
// `npm start` builds only when a source file is newer than the last build, so a restart after a crash is back in
// about a second instead of waiting for the TypeScript compiler (issue 18). A fresh clone has no build: it builds.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
const stamp = join(root, 'dist', '.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let built = 0;
try {
  built = statSync(stamp).mtimeMs;
} catch {
  // never built
}
const sources = Math.max(
  ...config.include.map((dir) => newestSource(join(root, dir))),
  ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs),
);
if (built === 0 || sources > built) {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  // tsc leaves the stamp alone when nothing it emits changed (a touched but unchanged file): mark the check done.
  const now = new Date();
  try {
    utimesSync(stamp, now, now);
  } catch {
    // no stamp written: the next start builds again
  }
}
