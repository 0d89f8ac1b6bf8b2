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

/** The tags of a canonical series text (the inverse of {@link seriesKey}): `a=1,b=x\,y` → `{ a: '1', b: 'x,y' }`. */
export function parseSeriesKey(series: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (series === '') return tags;
  let key = '';
  let text = '';
  const flush = () => {
    tags[key] = text;
    key = '';
    text = '';
  };
  let inValue = false;
  for (let i = 0; i < series.length; i++) {
    const c = series[i] as string;
    if (c === '\\' && i + 1 < series.length) {
      text += series[++i];
    } else if (c === '=' && !inValue) {
      key = text;
      text = '';
      inValue = true;
    } else if (c === ',' && inValue) {
      flush();
      inValue = false;
    } else text += c;
  }
  flush();
  return tags;
}
