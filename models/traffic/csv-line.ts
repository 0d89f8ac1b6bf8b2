/** One CSV record (RFC 4180): a value holding the separator, a quote or a line break is quoted, quotes doubled. */
export function csvLine(values: readonly (string | number | null | undefined)[], separator = ','): string {
  return values
    .map((v) => {
      const text = v === null || v === undefined ? '' : String(v);
      return text.includes(separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(separator);
}
