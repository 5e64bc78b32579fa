import type { Conversation } from '../api.js';
import { clear, h, shortTime } from '../dom.js';
import type { ChatSocket } from '../socket.js';
import { renderSnippet } from '../text.js';

interface Hit {
  message: { conversation_id: string; content: string; role: string };
  conversation_title: string;
  snippet: string;
}

/** Conversations asked for at a time. */
const PAGE = 200;

/** The conversation list with full-text search; older conversations a page at a time. */
export class Sidebar {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Conversations' } });
  private readonly search = h('input', { attrs: { type: 'search', placeholder: 'Search messages', 'aria-label': 'Search messages', id: 'search' } });
  private readonly status = h('p', { class: 'hint', attrs: { 'aria-live': 'polite' } });
  private readonly older = h('button', { text: 'Show older conversations', class: 'older', attrs: { id: 'older-conversations', hidden: '' }, on: { click: () => void this.loadOlder() } });
  /** Where the next page starts, while the last one was full. */
  private next: string | undefined;
  private conversations = new Map<string, Conversation>();
  private current: string | undefined;
  private searching = '';
  private timer: number | undefined;

  constructor(
    private readonly socket: ChatSocket,
    private readonly open: (id: string | undefined) => void,
  ) {
    this.search.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.runSearch(), 150);
    });
    this.el = h(
      'aside',
      { class: 'sidebar' },
      h('div', { class: 'sidebar-top' }, this.search, h('button', { text: 'New', class: 'primary', attrs: { id: 'new-conversation', 'aria-label': 'New conversation' }, on: { click: () => this.open(undefined) } })),
      this.status,
      this.list,
      this.older,
    );
    socket.on('conversation_created', (p) => this.upsert(p.conversation as Conversation));
    socket.on('conversation_updated', (p) => this.upsert(p.conversation as Conversation));
    socket.on('conversation_deleted', (p) => this.remove(String(p.id)));
    socket.on('message_created', (p) => {
      const m = p.message as { conversation_id: string; created_at: string };
      const c = this.conversations.get(m.conversation_id);
      if (c) this.upsert({ ...c, last_message_at: m.created_at, message_count: c.message_count + 1 });
    });
  }

  async load(): Promise<void> {
    const page = await this.page(undefined);
    this.conversations = new Map(page.map((c) => [c.id, c]));
    this.render();
  }

  private async loadOlder(): Promise<void> {
    if (this.next === undefined) return;
    for (const c of await this.page(this.next)) if (!this.conversations.has(c.id)) this.conversations.set(c.id, c);
    this.render();
  }

  private async page(before: string | undefined): Promise<Conversation[]> {
    const answer = await this.socket.request('get_conversations', before ? { limit: PAGE, before } : { limit: PAGE });
    this.next = (answer.payload.next_before as string | null) ?? undefined;
    return answer.payload.conversations as Conversation[];
  }

  get(id: string): Conversation | undefined {
    return this.conversations.get(id);
  }

  select(id: string | undefined): void {
    this.current = id;
    this.render();
  }

  upsert(c: Conversation): void {
    this.conversations.set(c.id, c);
    this.render();
  }

  remove(id: string): void {
    this.conversations.delete(id);
    this.render();
  }

  private async runSearch(): Promise<void> {
    this.searching = this.search.value.trim();
    if (!this.searching) return this.render();
    this.older.hidden = true;
    const query = this.searching;
    const answer = await this.socket.request('search', { query, limit: 50 });
    if (query !== this.searching) return;
    const hits = answer.payload.results as Hit[];
    clear(this.list);
    this.status.textContent = hits.length ? `${hits.length} matching messages` : 'Nothing found';
    for (const hit of hits) {
      this.list.appendChild(
        h(
          'li',
          {},
          h(
            'button',
            { class: 'conv hit', on: { click: () => this.open(hit.message.conversation_id) } },
            h('span', { class: 'conv-title', text: hit.conversation_title }),
            h('span', { class: 'snippet' }, renderSnippet(hit.snippet)),
          ),
        ),
      );
    }
  }

  private render(): void {
    this.older.hidden = this.searching !== '' || this.next === undefined;
    if (this.searching) return;
    clear(this.list);
    const sorted = [...this.conversations.values()].sort((a, b) => b.last_message_at.localeCompare(a.last_message_at));
    this.status.textContent = sorted.length ? '' : 'No conversations yet: press and hold to talk, or type below.';
    for (const c of sorted) {
      this.list.appendChild(
        h(
          'li',
          {},
          h(
            'button',
            { class: `conv${c.id === this.current ? ' current' : ''}`, attrs: { 'aria-current': c.id === this.current ? 'true' : undefined }, on: { click: () => this.open(c.id) } },
            h('span', { class: 'conv-title', text: c.title }),
            h('span', { class: 'conv-meta', text: `${shortTime(c.last_message_at)} · ${c.message_count} messages${c.device_id ? ' · voice' : ''}` }),
          ),
        ),
      );
    }
  }
}
