import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ButtonEdge } from '../daemon/ports.js';
import { KeyboardButton, type KeyInput } from './keyboard.js';

/** Collects edges; each write is delivered synchronously by PassThrough's 'data' in flowing mode. */
function setup(tty: boolean) {
  const input = new PassThrough() as PassThrough & KeyInput;
  const raw: boolean[] = [];
  if (tty) {
    input.isTTY = true;
    input.setRawMode = (r: boolean) => raw.push(r);
  }
  const edges: ButtonEdge[] = [];
  const button = new KeyboardButton(input);
  button.start((e) => edges.push(e));
  const type = async (text: string) => {
    const seen = new Promise((resolve) => input.once('data', resolve));
    input.write(text);
    await seen;
  };
  return { input, button, edges, raw, type };
}

describe('KeyboardButton', () => {
  it('on a terminal, Space or Enter toggles press and release, other keys do nothing', async () => {
    const k = setup(true);
    expect(k.raw).toEqual([true]);
    await k.type(' ');
    await k.type('x');
    await k.type('\r');
    await k.type('  ');
    expect(k.edges).toEqual(['press', 'release', 'press', 'release']);
    k.button.close();
    expect(k.raw).toEqual([true, false]);
  });

  it('on a pipe, reads press / release lines and toggles on any other line, across chunk boundaries', async () => {
    const k = setup(false);
    await k.type('press\nrel');
    await k.type('ease\n\n');
    await k.type('p\np\nr\n');
    expect(k.edges).toEqual(['press', 'release', 'press', 'release']);
  });

  it('stops listening when closed', async () => {
    const k = setup(false);
    k.button.close();
    k.input.resume();
    await k.type('press\n');
    expect(k.edges).toEqual([]);
  });
});
