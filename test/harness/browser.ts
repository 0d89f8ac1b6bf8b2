import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SERVER_BINARIES } from './debian-packages.js';

/** Debian's Chromium, headless, as the browser tests' real browser (`npx playwright install` cannot run here). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: SERVER_BINARIES.chromium.path,
    headless: true,
    args: ['--no-sandbox'],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page against WCAG 2.1 A and AA; returns the violations (none is the goal). */
export async function wcagViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  // A string, not a function: the test project has no DOM typings, and the code runs in the page anyway.
  return page.evaluate<AxeViolation[]>(`(async () => {
    const result = await window.axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  })()`);
}
