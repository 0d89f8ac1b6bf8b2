import { PERMISSIONS, type Permission } from './permissions.js';
import { ROLES, ROLE_DESCRIPTIONS } from './roles.js';

export const ACCESS_TABLE_START = '<!-- access-table:start -->';
export const ACCESS_TABLE_END = '<!-- access-table:end -->';

const who = (p: Permission): string =>
  p.access === 'public'
    ? 'anyone (no credential)'
    : p.access === 'authenticated'
      ? 'any credential'
      : p.access.map((r) => `\`${r}\``).join(', ');

/** The README's roles and route → roles tables, generated from the permission table (`npm run docs:access`). */
export function accessTables(): string {
  const roles = [
    '| role | may |',
    '| --- | --- |',
    ...ROLES.map((r) => `| \`${r}\` | ${ROLE_DESCRIPTIONS[r]} |`),
  ];
  const routes = [
    '| route | who may call it | tenant from the credential | what |',
    '| --- | --- | --- | --- |',
    ...PERMISSIONS.map(
      (p) => `| \`${p.method} ${p.path}\` | ${who(p)} | ${p.tenantScoped ? 'yes' : ''} | ${p.summary} |`,
    ),
  ];
  return [...roles, '', ...routes].join('\n');
}

/** `readme` with the text between the access-table markers replaced by {@link accessTables}. */
export function withAccessTables(readme: string): string {
  const start = readme.indexOf(ACCESS_TABLE_START);
  const end = readme.indexOf(ACCESS_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README: no ${ACCESS_TABLE_START} … ${ACCESS_TABLE_END} markers`);
  return `${readme.slice(0, start + ACCESS_TABLE_START.length)}\n\n${accessTables()}\n\n${readme.slice(end)}`;
}
