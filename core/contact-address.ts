/**
 * Where citizens reach the municipality about greenops' models: an e-mail address (the registers' `contact_email`)
 * or a web page (a contact form). A description such as "the data protection officer" is neither, and is refused
 * at start-up rather than published in a register's address field.
 */
const EMAIL = /^[^\s@<>()[\]",;:]+@[^\s@<>()[\]",;:]+\.[a-z]{2,}$/i;

export function isEmailAddress(text: string): boolean {
  return EMAIL.test(text);
}

export function isWebAddress(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  } catch {
    return false;
  }
}

/** The contact as configured, with `mailto:` taken off; undefined when it is neither an e-mail address nor a URL. */
export function contactAddress(text: string): string | undefined {
  const trimmed = text.trim().replace(/^mailto:/i, '');
  return isEmailAddress(trimmed) || isWebAddress(trimmed) ? trimmed : undefined;
}
