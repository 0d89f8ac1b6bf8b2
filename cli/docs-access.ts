/**
 * `npm run docs:access`: writes the roles and route → roles tables, generated from the permission table, between
 * the access-table markers of README.md. access/access-docs.test.ts fails while the README is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withAccessTables } from '../access/index.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withAccessTables(before);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'README.md: access tables up to date' : 'README.md: access tables rewritten');
