import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from './permissions.js';
import { ROLES } from './roles.js';
import { accessTables, withAccessTables } from './access-docs.js';

describe("the README's access tables", () => {
  it('are what npm run docs:access generates from the permission table (run it after changing PERMISSIONS)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withAccessTables(readme)).toBe(readme);
  });

  it('name every role and every route of the permission table', () => {
    const tables = accessTables();
    for (const role of ROLES) expect(tables).toContain(`| \`${role}\` |`);
    for (const p of PERMISSIONS) expect(tables).toContain(`| \`${p.method} ${p.path}\` |`);
  });
});
