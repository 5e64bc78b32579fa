/**
 * The only way the UI makes DOM: elements with properties, text children as Text nodes. There is no innerHTML
 * anywhere, so text from messages (which may contain markup) can never become markup.
 */
type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  attrs?: Record<string, string | boolean | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const [name, handler] of Object.entries(props.on ?? {})) el.addEventListener(name, handler as EventListener);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** "14:05" today, "3 Nov 14:05" this year, "3 Nov 2024" before. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return time;
  if (d.getFullYear() === now.getFullYear()) return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`;
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** A modal dialog (native <dialog>: focus trapping and Escape come with it). Resolves with the button pressed. */
export function dialog(title: string, body: Child[], buttons: { label: string; value: string; danger?: boolean; primary?: boolean }[]): Promise<string> {
  return new Promise((resolve) => {
    const d = h('dialog', { attrs: { 'aria-labelledby': 'dialog-title' } });
    const form = h('form', { attrs: { method: 'dialog' } }, h('h2', { text: title, attrs: { id: 'dialog-title' } }), ...body);
    const row = h('div', { class: 'dialog-buttons' });
    for (const b of buttons) {
      row.appendChild(h('button', { text: b.label, class: b.danger ? 'danger' : b.primary ? 'primary' : '', attrs: { value: b.value, type: 'submit' } }));
    }
    form.appendChild(row);
    d.appendChild(form);
    document.body.appendChild(d);
    d.addEventListener('close', () => {
      d.remove();
      resolve(d.returnValue || 'cancel');
    });
    d.showModal();
  });
}
