import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationStore, MAX_STORED_MESSAGES, storageKey } from './store.ts';
import { Widget } from './widget.ts';

const API = 'https://tenantry.example';
const KEY = storageKey(API, 'acme');

type Answer = { status: number; body: unknown; headers?: Record<string, string> } | 'network';

/** fetch as the API would answer: one scripted answer per call, in order; records what was asked. */
function scriptFetch(...answers: Answer[]) {
  const calls: Array<{ path: string; body: Record<string, string> }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ path: new URL(url).pathname, body: JSON.parse(String(init.body)) as Record<string, string> });
      const answer = answers.shift();
      if (!answer || answer === 'network') throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers } });
    }),
  );
  return calls;
}

const session = (id: string) => ({ status: 200, body: { session_id: id, tenant: { id: 'acme', name: 'Acme Corp', welcome: 'Howdy from Acme!' } } });
const reply = (text: string) => ({ status: 200, body: { tenant_id: 'acme', session_id: 'x', reply: text, model: 'mock-1', mock: true } });

function mount(): { widget: Widget; shadow: ShadowRoot } {
  const target = document.createElement('div');
  document.body.append(target);
  const widget = new Widget({ tenant: 'acme', apiOrigin: API, mode: 'inline', target, lang: 'en' }, 0);
  return { widget, shadow: target.querySelector('[data-tenantry-widget]')!.shadowRoot! };
}

const text = (shadow: ShadowRoot, selector: string) => shadow.querySelector(selector)?.textContent ?? '';

beforeEach(() => {
  localStorage.clear();
  document.body.replaceChildren();
});
afterEach(() => vi.unstubAllGlobals());

describe('the widget', () => {
  it('starts a session, shows the welcome and the reply, and keeps both for the next page', async () => {
    const calls = scriptFetch(session('s-1'), reply('olleh'));
    const { widget, shadow } = mount();
    await widget.send('hello');
    expect(calls).toEqual([
      { path: '/session', body: { tenant_id: 'acme' } },
      { path: '/chat', body: { tenant_id: 'acme', session_id: 's-1', message: 'hello' } },
    ]);
    expect(text(shadow, '.log')).toBe('Acme Corp: Howdy from Acme!You: helloAcme Corp: olleh');
    expect(new ConversationStore(KEY).load()).toEqual({
      sessionId: 's-1',
      name: 'Acme Corp',
      messages: [
        { from: 'assistant', text: 'Howdy from Acme!' },
        { from: 'visitor', text: 'hello' },
        { from: 'assistant', text: 'olleh' },
      ],
    });
  });

  it('starts a new session when the stored one is unknown to the API, and sends the message again', async () => {
    new ConversationStore(KEY).save({ sessionId: 'stale', name: 'Acme Corp', messages: [{ from: 'assistant', text: 'old' }] });
    const calls = scriptFetch({ status: 404, body: { detail: 'Unknown session' } }, session('s-2'), reply('fresh'));
    const { widget, shadow } = mount();
    await widget.send('hi');
    expect(calls.map((c) => [c.path, c.body.session_id])).toEqual([
      ['/chat', 'stale'],
      ['/session', undefined],
      ['/chat', 's-2'],
    ]);
    expect(text(shadow, '.log')).toContain('a new one has started');
    expect(text(shadow, '.log')).toContain('fresh');
    expect(widget.sessionId).toBe('s-2');
    expect(new ConversationStore(KEY).load()?.sessionId).toBe('s-2');
  });

  it('says how long to wait after a 429, and offers the retry only then', async () => {
    vi.useFakeTimers();
    try {
      scriptFetch(session('s-1'), { status: 429, body: { detail: 'Rate limit exceeded' }, headers: { 'retry-after': '7' } }, reply('later'));
      const { widget, shadow } = mount();
      await widget.send('hello');
      expect(text(shadow, '[role=alert] p')).toBe('Too many messages right now. Please try again in 7 s.');
      const retry = shadow.querySelector<HTMLButtonElement>('.retry')!;
      expect(retry.disabled).toBe(true);
      vi.advanceTimersByTime(7000);
      expect(retry.disabled).toBe(false);
      retry.click();
      await vi.waitFor(() => expect(text(shadow, '.log')).toContain('later'));
      expect(shadow.querySelector<HTMLElement>('[role=alert]')!.hidden).toBe(true);
      expect(shadow.querySelectorAll('.msg.visitor')).toHaveLength(1); // the retried message is not shown twice
    } finally {
      vi.useRealTimers();
    }
  });

  it('stores nothing when the session cannot start, and says so kindly', async () => {
    scriptFetch('network');
    const { shadow } = mount();
    await vi.waitFor(() => expect(text(shadow, '[role=alert] p')).toContain('Could not reach the assistant'));
    expect(localStorage.length).toBe(0);
  });

  it('shows replies as text, never as HTML', async () => {
    scriptFetch(session('s-1'), reply('<img src=x onerror=alert(1)>'));
    const { widget, shadow } = mount();
    await widget.send('hello');
    expect(shadow.querySelector('img')).toBeNull();
    expect(text(shadow, '.log')).toContain('<img src=x onerror=alert(1)>');
  });
});

describe('the stored conversation', () => {
  it('keeps only the last messages', () => {
    const store = new ConversationStore(KEY);
    const messages = Array.from({ length: 100 }, (_, i) => ({ from: 'visitor' as const, text: `m${i}` }));
    store.save({ sessionId: 's', name: 'n', messages });
    const kept = new ConversationStore(KEY).load()!.messages;
    expect(kept).toHaveLength(MAX_STORED_MESSAGES);
    expect(kept.at(-1)?.text).toBe('m99');
  });

  it('drops what it cannot read', () => {
    localStorage.setItem(KEY, JSON.stringify({ sessionId: 1 }));
    expect(new ConversationStore(KEY).load()).toBeNull();
    expect(localStorage.getItem(KEY)).toBeNull();
  });
});
