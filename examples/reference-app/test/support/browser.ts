/**
 * Debian's Chromium (`/usr/bin/chromium`, installed by `scripts/setup-chromium.sh`) driven by
 * playwright-core. Playwright's own browser downloads are never used.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface TestBrowser {
  /**
   * A page in a browser context (and so a window) of its own. Pages that share a window are tabs,
   * and headless Chromium gives a tab that is not in front about one animation frame per second,
   * which makes every Playwright action on it take seconds; separate windows are all in front.
   */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A headless Chromium; every page gets a fresh, temporary browser context. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
      return context.newPage();
    },
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
