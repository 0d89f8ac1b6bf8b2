/**
 * `node --import ./test/harness/module-log.mjs …` appends the URL of every module the process resolves through the
 * ES module loader (its own, and the packages they import) to the file named by MODULE_LOG, one per line. Given
 * after `--import tsx`, its hook runs first and sees every import, TypeScript sources included. CommonJS `require`
 * calls inside packages are not seen (Node 20's hooks do not cover them), a package's own entry point is.
 */
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url, { data: { file: process.env.MODULE_LOG } });
