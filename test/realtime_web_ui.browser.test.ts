import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from './support/browser.js';
import { startRealtimeServer, type RealtimeTestServer } from './support/realtime-server.js';

describe('realtime mode in the web UI (chromium)', () => {
  let server: RealtimeTestServer;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `web-realtime-${name}.png`), fullPage: true });

  beforeAll(async () => {
    server = await startRealtimeServer({}, { PICHAT_VOICE_MODE: 'pipeline' });
    chromium = await launchChromium();
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.on('pageerror', (err) => console.error('page error:', err.message));
    await page.goto(server.httpUrl);
    await page.locator('#login-password').fill(server.admin!.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#message-input').waitFor();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('chooses realtime mode in the settings, which show whether it is available', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const status = page.locator('#realtime-status');
    await status.waitFor();
    expect(await status.innerText()).toMatch(/available \(model gpt-realtime/);
    await page.locator('#set-voice-mode').selectOption('realtime');
    await page.locator('#set-rt-voice').fill('marin');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await server.store!.getSettings()).toMatchObject({ voice_mode: 'realtime', realtime_voice: 'marin' });
    await shot('settings');
  });

  it('answers a typed message through the realtime model and shows the conversation’s cost live', async () => {
    await page.getByRole('link', { name: 'Chats' }).click();
    await page.locator('#new-conversation').click();
    await page.locator('#message-input').fill('how is the weather');
    await page.keyboard.press('Enter');
    await page.locator('.msg.assistant:not(.streaming)', { hasText: 'It is sunny and warm today.' }).waitFor({ timeout: 10_000 });
    const cost = page.locator('#conv-cost');
    await cost.filter({ hasText: 'USD 0.0054' }).waitFor({ timeout: 10_000 });
    expect(await cost.isVisible()).toBe(true);
    await shot('cost');
    // The figure is there again when the conversation is reopened (get_costs).
    await page.reload();
    await page.locator('#conv-cost', { hasText: 'USD 0.0054' }).waitFor({ timeout: 10_000 });
  });
});
