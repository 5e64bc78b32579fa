import type { Conversation, Message } from '../api.js';
import { PcmPlayer, type PcmFormat } from '../audio/player.js';
import { browserId } from '../browser-id.js';
import { Microphone } from '../audio/mic.js';
import { clear, dialog, h, shortTime } from '../dom.js';
import type { ChatSocket } from '../socket.js';
import { renderText } from '../text.js';
import { CostFigure, formatCost } from './cost.js';
import { timeline } from './timeline.js';

/** Messages loaded per "Show earlier messages" (the server's largest page is 5000); a shorter page means no more. */
const EARLIER_PAGE = 500;

/**
 * One conversation: its messages (live: device turns and other browsers' messages appear as they happen, replies
 * stream in), rename / export / delete, the text composer and push-to-talk from the browser microphone.
 */
export class ConversationView {
  readonly el: HTMLElement;
  private readonly title = h('h2', { class: 'conv-heading', attrs: { id: 'conv-title', tabindex: '-1' } });
  private readonly messages = h('ol', { class: 'messages', attrs: { 'aria-label': 'Messages', 'aria-live': 'polite' } });
  private readonly input = h('textarea', { attrs: { id: 'message-input', rows: '1', placeholder: 'Type a message', 'aria-label': 'Message', maxlength: '8000' } });
  private readonly talk = h('button', { class: 'talk', text: 'Hold to talk', attrs: { id: 'talk', 'aria-label': 'Hold to talk (or hold Space on this button)' } });
  private readonly notice = h('p', { class: 'notice', attrs: { role: 'status' } });
  private readonly actions = h('div', { class: 'conv-actions' });
  /** Top of the message list while older messages than those shown exist: a button that loads the page above. */
  private readonly earlierButton = h('button', { text: 'Show earlier messages', attrs: { id: 'earlier', type: 'button' }, on: { click: () => void this.showEarlier() } });
  private readonly earlier = h('li', { class: 'earlier', attrs: { role: 'none' } }, this.earlierButton);
  private conversation: Conversation | undefined;
  private readonly shown = new Map<number, HTMLElement>();
  private readonly streaming = new Map<string, { el: HTMLElement; text: string }>();
  private readonly mic = new Microphone();
  private readonly player = new PcmPlayer();
  private voiceTurn: string | undefined;
  private talking = false;
  private pendingSwitch: string | undefined;
  private readonly cost: CostFigure;

  constructor(
    private readonly socket: ChatSocket,
    private readonly callbacks: { onCreated(c: Conversation): void; onDeleted(id: string): void; onBack(): void; deviceName(id: string | null): string },
  ) {
    this.cost = new CostFigure(socket);
    const form = h(
      'form',
      { class: 'composer', on: { submit: (e) => (e.preventDefault(), void this.sendText()) } },
      this.input,
      h('button', { text: 'Send', class: 'primary', attrs: { type: 'submit', id: 'send' } }),
      this.talk,
    );
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void this.sendText();
      }
    });
    this.talk.addEventListener('pointerdown', (e) => (e.preventDefault(), void this.press()));
    this.talk.addEventListener('pointerup', () => this.release());
    this.talk.addEventListener('pointerleave', () => this.release());
    this.talk.addEventListener('keydown', (e) => {
      if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) (e.preventDefault(), void this.press());
    });
    this.talk.addEventListener('keyup', (e) => {
      if (e.key === ' ' || e.key === 'Enter') (e.preventDefault(), this.release());
    });
    this.el = h(
      'section',
      { class: 'conversation', attrs: { 'aria-labelledby': 'conv-title' } },
      h('header', { class: 'conv-header' }, h('button', { class: 'back', text: '‹ Chats', attrs: { 'aria-label': 'Back to conversations' }, on: { click: () => this.callbacks.onBack() } }), this.title, this.cost.el, this.actions),
      this.messages,
      this.notice,
      form,
    );
    this.player.onFinished = (heardMs) => {
      if (this.voiceTurn) this.socket.send('playback_done', { turn_id: this.voiceTurn, heard_ms: Math.round(heardMs), interrupted: false });
    };
    socket.on('message_created', (p) => this.onMessage(p.message as Message));
    socket.on('message_updated', (p) => this.onMessage(p.message as Message));
    socket.on('reply_delta', (p) => this.onDelta(String(p.conversation_id), String(p.turn_id), String(p.text)));
    socket.on('conversation_updated', (p) => {
      const c = p.conversation as Conversation;
      if (c.id === this.conversation?.id) this.setTitle(c);
    });
    socket.on('conversation_created', (p) => {
      if (p.started_by_turn && p.started_by_turn === this.pendingSwitch) this.callbacks.onCreated(p.conversation as Conversation);
    });
    socket.on('voice', (p) => this.onVoice(p));
    socket.onBinary = (data) => this.player.push(data);
  }

  get currentId(): string | undefined {
    return this.conversation?.id;
  }

  /** Shows a conversation (undefined: a new, empty one that is created by the first message). */
  async show(id: string | undefined): Promise<void> {
    this.streaming.clear();
    this.shown.clear();
    clear(this.messages);
    clear(this.actions);
    this.conversation = undefined;
    void this.cost.show(id).catch(() => undefined);
    if (!id) {
      this.title.textContent = 'New conversation';
      this.input.focus();
      return;
    }
    const answer = await this.socket.request('get_conversation', { id });
    const c = answer.payload.conversation as Conversation;
    this.conversation = c;
    this.setTitle(c);
    this.actions.append(
      h('button', { text: 'Rename', attrs: { id: 'rename' }, on: { click: () => void this.rename() } }),
      h('a', { text: 'Export .md', class: 'button', attrs: { href: `/api/conversations/${encodeURIComponent(c.id)}/export?format=markdown`, download: '', id: 'export-md' } }),
      h('a', { text: 'Export .json', class: 'button', attrs: { href: `/api/conversations/${encodeURIComponent(c.id)}/export?format=json`, download: '', id: 'export-json' } }),
      h('button', { text: 'Delete', class: 'danger', attrs: { id: 'delete' }, on: { click: () => void this.remove() } }),
    );
    const messages = answer.payload.messages as Message[];
    if (messages.length < c.message_count) this.messages.append(this.earlier);
    for (const m of messages) this.onMessage(m);
    this.title.focus();
  }

  /**
   * Loads the page of messages above the oldest one shown and inserts it above them, without announcing it as new
   * (the list is a live region); the button goes when a page comes back short (the conversation's message count is
   * not kept up to date as live messages arrive, so it cannot tell).
   */
  private async showEarlier(): Promise<void> {
    const c = this.conversation;
    if (!c || this.shown.size === 0 || this.earlierButton.hasAttribute('disabled')) return;
    const oldest = Math.min(...this.shown.keys());
    this.earlierButton.setAttribute('disabled', '');
    this.messages.setAttribute('aria-live', 'off');
    try {
      const answer = await this.socket.request('get_messages', { conversation_id: c.id, before_id: oldest, limit: EARLIER_PAGE });
      if (this.conversation?.id !== c.id || !this.earlier.isConnected) return;
      const page = answer.payload.messages as Message[];
      const older = page.filter((m) => !this.shown.has(m.id));
      const below = this.earlier.nextSibling;
      for (const m of older) {
        const el = this.renderMessage(m);
        this.messages.insertBefore(el, below);
        this.shown.set(m.id, el);
      }
      this.notice.textContent = '';
      if (page.length < EARLIER_PAGE) {
        // The button goes: keyboard focus moves to the oldest message rather than to the page.
        this.earlier.remove();
        const first = this.messages.querySelector<HTMLElement>('.msg');
        first?.setAttribute('tabindex', '-1');
        first?.focus();
      }
    } catch (err) {
      this.notice.textContent = `Could not load earlier messages: ${(err as Error).message}`;
    } finally {
      this.earlierButton.removeAttribute('disabled');
      this.messages.setAttribute('aria-live', 'polite');
    }
  }

  private setTitle(c: Conversation): void {
    this.conversation = c;
    this.title.textContent = c.title;
    document.title = `${c.title} · PiChat`;
  }

  private async sendText(): Promise<void> {
    const content = this.input.value.trim();
    if (!content) return;
    this.input.value = '';
    this.notice.textContent = '';
    try {
      const sent = await this.socket.request('send_message', { content, ...(this.conversation ? { conversation_id: this.conversation.id } : {}) });
      if (sent.action === 'conversation_created') this.callbacks.onCreated(sent.payload.conversation as Conversation);
    } catch (err) {
      this.input.value = content;
      this.notice.textContent = `Not sent: ${(err as Error).message}`;
    }
  }

  private onMessage(m: Message): void {
    if (m.conversation_id !== this.conversation?.id) return;
    if (m.role === 'assistant' && m.turn_id) {
      const s = this.streaming.get(m.turn_id);
      if (s) (s.el.remove(), this.streaming.delete(m.turn_id));
    }
    const el = this.renderMessage(m);
    const existing = this.shown.get(m.id);
    if (existing) existing.replaceWith(el);
    else this.messages.appendChild(el);
    this.shown.set(m.id, el);
    el.scrollIntoView({ block: 'nearest' });
  }

  private onDelta(conversationId: string, turnId: string, text: string): void {
    if (conversationId !== this.conversation?.id) return;
    let s = this.streaming.get(turnId);
    if (!s) {
      const el = h('li', { class: 'msg assistant streaming', attrs: { 'aria-busy': 'true' } }, h('div', { class: 'bubble' }));
      this.messages.appendChild(el);
      s = { el, text: '' };
      this.streaming.set(turnId, s);
    }
    s.text += text;
    s.el.firstElementChild!.replaceChildren(renderText(s.text));
    s.el.scrollIntoView({ block: 'nearest' });
  }

  private renderMessage(m: Message): HTMLElement {
    const who = m.role === 'user' ? 'You' : 'PiChat';
    const via = m.source === 'device' ? `on ${this.callbacks.deviceName(m.device_id)}` : 'web';
    const cost = m.role === 'assistant' && typeof m.cost === 'number' && m.cost > 0 ? formatCost(m.cost, '').trim() : '';
    const meta = [who, via, shortTime(m.created_at), m.interrupted ? 'interrupted' : '', m.handler && m.role === 'assistant' ? m.handler : '', cost].filter(Boolean).join(' · ');
    const bubble = h('div', { class: 'bubble' });
    if (m.content) bubble.appendChild(renderText(m.content));
    else bubble.appendChild(h('em', { text: '(nothing recognised)' }));
    return h(
      'li',
      { class: `msg ${m.role}${m.interrupted ? ' interrupted' : ''}`, attrs: { 'data-id': String(m.id) } },
      bubble,
      h('div', { class: 'meta', text: meta }),
      m.timings && m.role === 'assistant' ? timeline(m.timings) : null,
    );
  }

  private async rename(): Promise<void> {
    const c = this.conversation;
    if (!c) return;
    const input = h('input', { attrs: { id: 'rename-input', value: c.title, maxlength: '200', 'aria-label': 'New title' } });
    const choice = await dialog('Rename conversation', [input], [
      { label: 'Cancel', value: 'cancel' },
      { label: 'Rename', value: 'ok', primary: true },
    ]);
    const title = input.value.trim();
    if (choice !== 'ok' || !title || title === c.title) return;
    const answer = await this.socket.request('update_conversation', { id: c.id, title });
    this.setTitle(answer.payload.conversation as Conversation);
    this.callbacks.onCreated(answer.payload.conversation as Conversation);
  }

  private async remove(): Promise<void> {
    const c = this.conversation;
    if (!c) return;
    const choice = await dialog('Delete conversation?', [h('p', { text: `“${c.title}” and its ${c.message_count} messages will be deleted for good.` })], [
      { label: 'Cancel', value: 'cancel' },
      { label: 'Delete', value: 'delete', danger: true },
    ]);
    if (choice !== 'delete') return;
    await this.socket.request('delete_conversation', { id: c.id });
    this.callbacks.onDeleted(c.id);
  }

  // ── push-to-talk ──
  private async press(): Promise<void> {
    if (this.talking) return;
    this.talking = true;
    this.player.unlock();
    if (this.voiceTurn && this.player.playing) {
      this.socket.send('playback_done', { turn_id: this.voiceTurn, heard_ms: Math.round(this.player.stop()), interrupted: true });
    }
    this.talk.classList.add('active');
    this.talk.textContent = 'Listening… release to send';
    const turnId = `ptt-${Date.now().toString(36)}`;
    try {
      await this.mic.start((pcm) => {
        if (this.voiceTurn === turnId && this.talking) this.socket.sendBinary(pcm);
      });
      const started = await this.socket.request('voice_start', {
        turn_id: turnId,
        browser_id: browserId(),
        ...(this.conversation ? { conversation_id: this.conversation.id } : {}),
      });
      this.voiceTurn = String(started.payload.turn_id);
      this.pendingSwitch = this.voiceTurn;
      if (!this.talking) this.release(true);
    } catch (err) {
      this.notice.textContent = `Microphone unavailable: ${(err as Error).message}`;
      this.talking = false;
      this.resetTalk();
    }
  }

  private release(force = false): void {
    if (!this.talking && !force) return;
    this.talking = false;
    this.mic.stop();
    this.resetTalk();
    if (this.voiceTurn) this.socket.send('voice_end', { turn_id: this.voiceTurn });
  }

  private resetTalk(): void {
    this.talk.classList.remove('active');
    this.talk.textContent = 'Hold to talk';
  }

  private onVoice(p: Record<string, unknown>): void {
    if (p.turnId !== this.voiceTurn) return;
    if (p.type === 'audio.start') this.player.begin(p.format as PcmFormat);
    else if (p.type === 'audio.end') this.player.end();
    else if (p.type === 'transcript' && !this.conversation && p.text) this.notice.textContent = `Heard: ${String(p.text)}`;
    else if (p.type === 'turn.done' && !this.conversation) void this.adoptNewConversation();
    else if (p.type === 'error') this.notice.textContent = String(p.message);
  }

  /** After a first voice turn in a new conversation, open the conversation it created. */
  private async adoptNewConversation(): Promise<void> {
    const list = await this.socket.request('get_conversations', { limit: 1 });
    const c = (list.payload.conversations as Conversation[])[0];
    if (c) this.callbacks.onCreated(c);
  }
}
