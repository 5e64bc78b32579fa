import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium (scripts/setup.sh --test installs it); `npx playwright install` cannot download here. */
export const CHROMIUM = process.env.PICHAT_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored; CI keeps it as an artifact). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/**
 * Launches headless chromium with a fresh profile directory (Playwright takes it as launchPersistentContext's
 * userDataDir rather than a --user-data-dir argument); `close()` also removes the profile.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'pichat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1200, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
