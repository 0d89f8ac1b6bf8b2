/**
 * Canonical text of a tag set without tenant and device, sorted by key: `quantity=electricity,site=s1`.
 * `,`, `=` and `\` in keys and values are escaped with `\`, so a filter can match `,key=value,` exactly.
 */
export function seriesKey(tags: Record<string, string>): string {
  const parts: string[] = [];
  for (const key of Object.keys(tags).sort()) {
    if (key === 'tenant' || key === 'device') continue;
    parts.push(`${escapeTag(key)}=${escapeTag(tags[key] as string)}`);
  }
  return parts.join(',');
}

export function escapeTag(text: string): string {
  return /[,=\\]/.test(text) ? text.replace(/[,=\\]/g, (c) => `\\${c}`) : text;
}
