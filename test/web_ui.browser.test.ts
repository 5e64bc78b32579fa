import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEECH_FORMAT } from '@pichat/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Brain, BrainReply } from '../server/src/pipeline/providers.js';
import { FakeStt, FakeTts } from '../server/src/testing/fakes.js';
import { ARTIFACTS, launchChromium } from './support/browser.js';
import { TestDevice } from './support/device-client.js';
import { startTestServer, type TestServer } from './support/server.js';

/** A brain that streams its reply word by word, 40 ms apart, so that the page shows it growing. */
class SlowBrain implements Brain {
  reply(request: { text: string }, signal: AbortSignal): Promise<BrainReply> {
    const words = `You said ${request.text}. Here is a longer answer that arrives one word at a time.`.split(' ');
    async function* text(): AsyncGenerator<string> {
      for (const [i, w] of words.entries()) {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, 40));
        yield i === 0 ? w : ` ${w}`;
      }
    }
    return Promise.resolve({ handler: 'slow', text: text(), actions: [] });
  }
}

async function deviceTurn(server: TestServer, d: TestDevice, turnId: string): Promise<void> {
  d.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
  await d.streamPcm(new Uint8Array(3200));
  d.send({ type: 'turn.end', turnId });
  await d.waitFor('turn.done', (m) => m.turnId === turnId, 15_000);
}

describe('web UI in chromium', () => {
  let server: TestServer;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `web-${name}.png`), fullPage: true });

  beforeAll(async () => {
    const stt = new FakeStt();
    server = await startTestServer({ store: true, stt, providers: { stt, brain: new SlowBrain(), tts: new FakeTts() } });
    chromium = await launchChromium();
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.on('pageerror', (err) => console.error('page error:', err.message));
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('logs in', async () => {
    await page.goto(server.httpUrl);
    await page.locator('#login-password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong' }).waitFor();
    await shot('login');
    await page.locator('#login-password').fill(server.admin!.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#message-input').waitFor();
  });

  it('sends a message and watches the reply stream in; a script tag renders as text', async () => {
    await page.locator('#message-input').fill('hello <script>window.pwned = 1</script><img src=x onerror="window.pwned=2">');
    await page.keyboard.press('Enter');
    const streaming = page.locator('.msg.assistant.streaming');
    await streaming.waitFor({ timeout: 10_000 });
    const partial = await streaming.innerText();
    await page.locator('.msg.assistant:not(.streaming)').waitFor({ timeout: 10_000 });
    const final = await page.locator('.msg.assistant:not(.streaming) .bubble').innerText();
    expect(final).toContain('one word at a time.');
    expect(partial.length).toBeLessThan(final.length);
    const user = page.locator('.msg.user .bubble').first();
    expect(await user.innerText()).toContain('<script>window.pwned = 1</script>');
    expect(await page.locator('.messages script, .messages img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.locator('.msg.assistant .timeline').first().waitFor();
    await shot('chat');
  });

  it('watches a device turn appear live', async () => {
    const d = await TestDevice.ready(server.url, server.token);
    await deviceTurn(server, d, 'live-1');
    await page.locator('.conv-title', { hasText: 'What time is it' }).click();
    await page.locator('.msg.user', { hasText: 'what time is it' }).first().waitFor();
    const before = await page.locator('.msg').count();
    await deviceTurn(server, d, 'live-2');
    await page.locator('.msg').nth(before + 1).waitFor({ timeout: 10_000 });
    expect(await page.locator('.msg.user .meta').last().innerText()).toMatch(/on kitchen/);
    await page.locator('.msg.assistant .timeline-bar .seg').first().waitFor();
    await shot('device-turn');
    await d.close();
  });

  it('searches the history', async () => {
    await page.locator('#search').fill('longer ans');
    const hit = page.locator('.conv.hit').first();
    await hit.waitFor();
    expect(await page.locator('.conv.hit mark').first().innerText()).toMatch(/longer|answer/i);
    await shot('search');
    await page.locator('#search').fill('');
  });

  it('renames, exports and deletes a conversation (with confirmation)', async () => {
    await page.locator('.conv-title', { hasText: 'Hello' }).first().click();
    await page.locator('#rename').click();
    await page.locator('#rename-input').fill('Renamed chat');
    await page.getByRole('button', { name: 'Rename', exact: true }).last().click();
    await page.locator('#conv-title', { hasText: 'Renamed chat' }).waitFor();
    await page.locator('.conv-title', { hasText: 'Renamed chat' }).waitFor();

    const [md] = await Promise.all([page.waitForEvent('download'), page.locator('#export-md').click()]);
    const mdText = readFileSync((await md.path())!, 'utf8');
    expect(mdText).toMatch(/^# Renamed chat/);
    expect(md.suggestedFilename()).toBe('renamed-chat.md');
    const [js] = await Promise.all([page.waitForEvent('download'), page.locator('#export-json').click()]);
    expect(JSON.parse(readFileSync((await js.path())!, 'utf8')).messages.length).toBeGreaterThanOrEqual(2);

    await page.locator('#delete').click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('.conv-title', { hasText: 'Renamed chat' }).count()).toBe(1);
    await page.locator('#delete').click();
    await shot('delete-confirm');
    await page.getByRole('button', { name: 'Delete', exact: true }).last().click();
    await page.locator('.conv-title', { hasText: 'Renamed chat' }).waitFor({ state: 'detached' });
  });

  it('talks from the browser microphone: push-to-talk through the pipeline, reply played in the page', async () => {
    await page.locator('#new-conversation').click();
    const talk = page.locator('#talk');
    await talk.hover();
    await page.mouse.down();
    await page.locator('.talk.active').waitFor();
    // Hold until the server has opened the turn and some microphone audio went out (fake device: a tone).
    await page.waitForTimeout(600);
    await page.mouse.up();
    await page.locator('.msg.user', { hasText: 'what time is it' }).waitFor({ timeout: 15_000 });
    await page.locator('.msg.assistant:not(.streaming) .timeline').waitFor({ timeout: 15_000 });
    const conversation = (await server.store!.listConversations())[0]!;
    const messages = await server.store!.listMessages(conversation.id);
    expect(messages[0]).toMatchObject({ role: 'user', source: 'web', text: 'what time is it' });
    expect(server.stt.streams.at(-1)!.bytes).toBeGreaterThan(3200); // the page sent real microphone PCM
    // The page named itself (an id kept in its local storage): its microphone is learnt apart from other browsers'.
    expect(server.stt.streams.at(-1)!.channel).toMatch(/^web:[0-9a-f]{32}$/);
    await shot('push-to-talk');
  });

  it('lists the newest 200 conversations, and older ones a page at a time', async () => {
    const store = server.store!;
    const start = Date.parse('2024-01-01T00:00:00Z');
    for (let i = 0; i < 205; i++) await store.createConversation({ title: `Old ${i}`, at: new Date(start + i * 60_000) });
    const total = (await store.listConversations({ limit: 500 })).length;
    await page.reload();
    await page.locator('.conv').first().waitFor();
    expect(await page.locator('.conv-list li').count()).toBe(200);
    await page.locator('#older-conversations').click();
    await expect.poll(() => page.locator('.conv-list li').count(), { timeout: 5000 }).toBe(total);
    expect(await page.locator('#older-conversations').isVisible()).toBe(false); // nothing older left
    await page.locator('.conv', { hasText: 'Old 0' }).waitFor(); // the oldest
  });

  it('a long conversation shows its last 500 messages, and earlier ones 500 at a time on request', async () => {
    const store = server.store!;
    const conv = await store.createConversation({ title: 'A long chat' });
    for (let i = 1; i <= 1010; i++) await store.addMessage({ conversationId: conv.id, role: i % 2 ? 'user' : 'assistant', text: `line ${i}.`, source: 'web' });
    const texts = () => page.locator('.messages .msg .bubble').allTextContents();
    const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `line ${from + k}.`);
    await page.goto(`${server.httpUrl}/#/c/${conv.id}`);
    await page.locator('.msg', { hasText: 'line 1010.' }).waitFor();
    expect(await texts()).toEqual(lines(511, 1010));
    // Ten live messages (five turns) after it opened: the view then shows as many messages as it had when it opened
    // after one page more, with ten still above.
    for (let k = 1; k <= 5; k++) {
      await page.locator('#message-input').fill(`live ${k}`);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.msg.assistant:not(.streaming)', { hasText: `You said live ${k}.` }).count(), { timeout: 10_000 }).toBe(1);
    }
    await page.locator('#earlier').click();
    await expect.poll(async () => (await texts()).length, { timeout: 5000 }).toBe(1010);
    expect((await texts()).slice(0, 1000)).toEqual(lines(11, 1010)); // in order, above the ones shown
    await page.locator('#earlier').click(); // still there: ten more
    await expect.poll(async () => (await texts()).length, { timeout: 5000 }).toBe(1020);
    expect((await texts()).slice(0, 1010)).toEqual(lines(1, 1010));
    expect(await page.locator('#earlier').count()).toBe(0); // nothing earlier left
  });

  it('settings and devices pages work, and the layout fits a phone', async () => {
    const session = page.waitForResponse((r) => r.url().endsWith('/api/session'));
    await page.getByRole('link', { name: 'Settings' }).click();
    await session;
    await page.locator('#set-model').fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await server.store!.getSettings()).selected_model).toBe('gpt-4o-mini');
    expect(await page.locator('#pw-current').isEnabled()).toBe(true);
    // A password from PICHAT_ADMIN_PASSWORD (as main.ts applies it at start): the page says where to change it.
    await server.app.auth!.ensureAdmin('admin', server.admin!.password);
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('status').filter({ hasText: 'set by PICHAT_ADMIN_PASSWORD' }).waitFor();
    expect(await page.locator('#pw-current').isDisabled()).toBe(true);
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.locator('#add-device').click();
    await page.locator('#new-device-name').fill('Hall');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const token = await page.locator('#new-device-token').inputValue();
    expect(token).toMatch(/^pcd_/);
    await shot('devices');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('.device', { hasText: 'Hall' }).waitFor();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Chats' }).click();
    await page.locator('.conv').first().waitFor();
    await shot('phone-list');
    await page.locator('.conv').first().click();
    await page.locator('.back').waitFor();
    expect(await page.locator('.sidebar').isVisible()).toBe(false);
    await shot('phone-conversation');
    // Keyboard: the talk button is reachable with Tab and labelled.
    await page.locator('#send').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('talk');
  });

  it('logging out in one tab takes the other tab back to the login', async () => {
    const other = await chromium.context.newPage();
    await other.goto(server.httpUrl);
    await other.locator('#message-input').waitFor(); // logged in: the tabs share the cookie
    await page.locator('#logout').click();
    await page.locator('#login-password').waitFor();
    await other.locator('#login-password').waitFor({ timeout: 5000 }); // its socket closed with 4401
    await other.close();
  });
});
