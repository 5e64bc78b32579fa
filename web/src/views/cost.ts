import type { Costs } from '../api.js';
import { h } from '../dom.js';
import type { ChatSocket } from '../socket.js';

/** Money as the page shows it: the currency code and four decimals (realtime turns cost fractions of a cent). */
export function formatCost(cost: number, currency: string): string {
  return `${currency} ${cost.toFixed(4)}`;
}

/**
 * The live cost figure of one conversation: its recorded total (`get_costs`), updated by every `realtime_usage`
 * event of that conversation, with what this page's realtime session has cost so far beside it. Hidden while the
 * conversation has cost nothing.
 */
export class CostFigure {
  readonly el = h('span', { class: 'cost', attrs: { id: 'conv-cost', 'aria-live': 'polite', title: 'Realtime cost of this conversation', hidden: true } });
  private conversationId: string | undefined;
  private session: { id: string; cost: number } | undefined;
  private conversationCost = 0;
  private currency = 'USD';

  constructor(private readonly socket: ChatSocket) {
    socket.on('realtime_usage', (p) => {
      if (!this.conversationId || p.conversation_id !== this.conversationId) return;
      this.currency = String(p.currency ?? this.currency);
      if (typeof p.conversation_cost === 'number') this.conversationCost = p.conversation_cost;
      else if (typeof p.cost === 'number') this.conversationCost += p.cost;
      if (typeof p.session_id === 'string' && typeof p.session_cost === 'number') this.session = { id: p.session_id, cost: p.session_cost };
      this.render();
    });
  }

  /** Shows the figure of `conversationId` (undefined: a new conversation, nothing spent yet). */
  async show(conversationId: string | undefined): Promise<void> {
    this.conversationId = conversationId;
    this.conversationCost = 0;
    this.session = undefined;
    this.render();
    if (!conversationId) return;
    const answer = await this.socket.request('get_costs', { conversation_id: conversationId });
    const costs = answer.payload as unknown as Costs;
    if (this.conversationId !== conversationId || !costs.conversation) return;
    this.conversationCost = Math.max(this.conversationCost, costs.conversation.cost);
    this.currency = costs.conversation.currency || this.currency;
    this.render();
  }

  private render(): void {
    const session = this.session ? ` · this session ${formatCost(this.session.cost, this.currency)}` : '';
    this.el.textContent = `Cost ${formatCost(this.conversationCost, this.currency)}${session}`;
    this.el.hidden = this.conversationCost <= 0 && !this.session;
  }
}
