import { h } from './dom.js';

/**
 * Message text as DOM: paragraphs, line breaks, **bold**, *italic* and `code` (the Markdown an LLM uses most).
 * Everything is a Text node or one of those four elements: no markup in a message is ever interpreted.
 */
export function renderText(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  const paragraphs = text.split(/\n{2,}/);
  for (const para of paragraphs) {
    const p = h('p');
    const lines = para.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) p.appendChild(h('br'));
      for (const part of line.split(/(\*\*[^*\n]+\*\*|`[^`\n]+`|\*[^*\n]+\*)/)) {
        if (!part) continue;
        if (part.startsWith('**') && part.endsWith('**') && part.length > 4) p.appendChild(h('strong', { text: part.slice(2, -2) }));
        else if (part.startsWith('`') && part.endsWith('`') && part.length > 2) p.appendChild(h('code', { text: part.slice(1, -1) }));
        else if (part.startsWith('*') && part.endsWith('*') && part.length > 2) p.appendChild(h('em', { text: part.slice(1, -1) }));
        else p.appendChild(document.createTextNode(part));
      }
    });
    out.appendChild(p);
  }
  return out;
}

/** A search snippet: matches between U+0002 and U+0003 become <mark>, the rest text. */
export function renderSnippet(snippet: string): DocumentFragment {
  const out = document.createDocumentFragment();
  for (const part of snippet.split(/(\u0002[^\u0003]*\u0003)/)) {
    if (!part) continue;
    if (part.startsWith('\u0002')) out.appendChild(h('mark', { text: part.slice(1, -1) }));
    else out.appendChild(document.createTextNode(part));
  }
  return out;
}
