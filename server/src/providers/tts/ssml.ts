/**
 * SSML for Azure Speech: one voice, one prosody element, the text escaped. Pure string building, no I/O.
 */
export interface SsmlOptions {
  /** BCP-47, e.g. pl-PL. */
  locale: string;
  /** Full voice name, e.g. pl-PL-ZofiaNeural. */
  voice: string;
  /** Relative rate, e.g. "+10%", "-5%", or "default". Default: no prosody element. */
  rate?: string;
}

export function buildSsml(text: string, options: SsmlOptions): string {
  const body = escapeXml(text);
  const inner = options.rate && options.rate !== 'default' ? `<prosody rate="${escapeXml(options.rate)}">${body}</prosody>` : body;
  return (
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${escapeXml(options.locale)}">` +
    `<voice name="${escapeXml(options.voice)}">${inner}</voice></speak>`
  );
}

/**
 * Escapes the five XML specials and drops characters XML 1.0 forbids (control characters other than tab, line
 * feed and carriage return, lone surrogates), which an LLM can produce and which would make the service reject the
 * whole request.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
