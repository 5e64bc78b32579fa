/**
 * Conversation exports. Markdown for people (a message's text is quoted as it is: it is a downloaded file, not a
 * page), JSON for programs (the same shapes as the API). Pure.
 */
export function exportMarkdown(
  conversation: Record<string, unknown>,
  messages: readonly Record<string, unknown>[],
  deviceNames: ReadonlyMap<string, string>,
): string {
  const lines = [`# ${oneLine(String(conversation.title))}`, '', `Started ${String(conversation.created_at)} · ${messages.length} messages`, ''];
  for (const m of messages) {
    const who = m.role === 'user' ? 'You' : 'PiChat';
    const via = m.source === 'device' ? `on ${deviceNames.get(String(m.device_id)) ?? String(m.device_id ?? 'a device')}` : 'on the web';
    const flags = m.interrupted ? ' · interrupted' : '';
    lines.push(`**${who}** (${via}, ${String(m.created_at)}${flags})`, '');
    const text = String(m.content ?? '');
    lines.push(text ? text.split('\n').map((l) => `> ${l}`).join('\n') : '> _(nothing recognised)_', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function exportJson(conversation: Record<string, unknown>, messages: readonly Record<string, unknown>[]): string {
  return `${JSON.stringify({ format: 'pichat-conversation', version: 1, exported_at: new Date().toISOString(), conversation, messages }, null, 2)}\n`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
