import { sendMessage, startSession, WidgetApiError } from './api.ts';
import { chatIcon, h } from './dom.ts';
import { ConversationStore, type StoredConversation, storageKey } from './store.ts';
import { fill, type Strings, stringsFor } from './strings.ts';
import css from './widget.css?inline';

export type WidgetMode = 'bubble' | 'inline';

export interface WidgetOptions {
  /** The tenant's slug (`data-tenant`). */
  tenant: string;
  /** The Tenantry deployment's origin, where /session and /chat are. */
  apiOrigin: string;
  /** A chat bubble in the corner (default), or the panel inside `target`. */
  mode?: WidgetMode;
  /** Inline mode: the element the panel fills. */
  target?: Element | null;
  lang?: string | undefined;
}

/** The server's own default (MAX_MESSAGE_CHARS); a longer message gets the server's 422, worded kindly. */
const MAX_MESSAGE_CHARS = 4000;
/** The API's details that a new session cannot cure: say so rather than start one. */
const NOT_A_SESSION_PROBLEM = new Set(['Unknown tenant', 'Origin not allowed']);

let sharedSheet: CSSStyleSheet | null = null;
let nextId = 0;

/**
 * Styles without a <style> element where the browser allows it: constructed stylesheets are not
 * inline styles for CSP, so a host page with `style-src 'self'` (or none at all) still shows them.
 */
function adoptStyles(root: ShadowRoot, extra: string): void {
  if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(css);
    }
    const own = new CSSStyleSheet();
    own.replaceSync(extra);
    root.adoptedStyleSheets = [sharedSheet, own];
  } else {
    root.append(h('style', {}, css + extra));
  }
}

/**
 * One widget on the page: a shadow root on a host element of its own, a conversation with one
 * tenant kept in the visitor's storage, and the panel that shows it.
 */
export class Widget {
  readonly tenant: string;
  readonly apiOrigin: string;
  readonly mode: WidgetMode;
  private readonly host: HTMLElement;
  private readonly text: Strings;
  private readonly store: ConversationStore;
  private conversation: StoredConversation | null;
  /** A message is on its way (one at a time: the seed's API answers in order, per session). */
  private sending = false;
  private starting: Promise<boolean> | null = null;
  private opened = false;
  private destroyed = false;
  private readonly launcher: HTMLButtonElement | null;
  private readonly panel: HTMLElement;
  private readonly title: HTMLElement;
  private readonly log: HTMLElement;
  private readonly status: HTMLElement;
  private readonly alert: HTMLElement;
  private readonly alertText: HTMLElement;
  private readonly retry: HTMLButtonElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private onRetry: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WidgetOptions, slot: number) {
    this.tenant = options.tenant;
    this.apiOrigin = options.apiOrigin;
    this.mode = options.mode ?? 'bubble';
    this.text = stringsFor(options.lang);
    this.store = new ConversationStore(storageKey(this.apiOrigin, this.tenant));
    this.conversation = this.store.load();
    const id = `tw${++nextId}`;
    const t = this.text;

    this.host = h('div', { 'data-tenantry-widget': this.tenant, 'data-mode': this.mode });
    // Open, not closed: a closed root protects nothing from a script in the same page (it can wrap
    // attachShadow first), and it would hide the widget from accessibility checkers and test tools.
    const root = this.host.attachShadow({ mode: 'open' });
    adoptStyles(root, `:host([data-mode='bubble']){right:${16 + slot * 72}px!important}`);

    this.title = h('span', { class: 'title', id: `${id}-title` }, t.title);
    const newChat = h('button', { type: 'button', class: 'icon', 'aria-label': t.newChat, title: t.newChat }, '↺');
    const close = h('button', { type: 'button', class: 'icon', 'aria-label': t.close, title: t.close }, '×');
    close.hidden = this.mode === 'inline';
    this.log = h('div', { class: 'log', role: 'log', tabindex: '0', 'aria-labelledby': `${id}-title` });
    this.status = h('p', { class: 'status', role: 'status' });
    this.alertText = h('p');
    this.retry = h('button', { type: 'button', class: 'retry' }, t.retry);
    this.alert = h('div', { class: 'alert', role: 'alert' }, this.alertText, this.retry);
    this.alert.hidden = true;
    this.input = h('textarea', { id: `${id}-input`, rows: '1', maxlength: String(MAX_MESSAGE_CHARS), placeholder: t.placeholder, autocomplete: 'off' });
    this.sendButton = h('button', { type: 'submit', class: 'send' }, t.send);
    const form = h('form', { class: 'composer' }, h('label', { class: 'sr', for: `${id}-input` }, t.message), this.input, this.sendButton);
    const head = h('div', { class: 'head' }, this.title, newChat, close);
    this.panel =
      this.mode === 'inline'
        ? h('section', { class: 'panel', id: `${id}-panel`, 'aria-labelledby': `${id}-title` })
        : h('div', { class: 'panel', id: `${id}-panel`, role: 'dialog', 'aria-labelledby': `${id}-title` });
    this.panel.append(head, this.log, this.status, this.alert, form);

    if (this.mode === 'bubble') {
      this.panel.hidden = true;
      this.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': `${id}-panel`, 'aria-label': t.open }, chatIcon());
      this.launcher.addEventListener('click', () => (this.opened ? this.close() : this.open()));
      // A landmark of its own, so the bubble is not stray content on the host page.
      root.append(h('aside', { class: 'root bubble', 'aria-label': t.open }, this.panel, this.launcher));
    } else {
      this.launcher = null;
      root.append(h('div', { class: 'root inline' }, this.panel));
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send(this.input.value);
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.send(this.input.value);
      }
    });
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.mode === 'bubble') {
        this.close();
        this.launcher?.focus();
      }
    });
    this.retry.addEventListener('click', () => this.onRetry?.());
    newChat.addEventListener('click', () => {
      if (this.sending || this.starting) return; // the reply under way belongs to the current conversation
      this.store.clear();
      this.conversation = null;
      void this.ensureSession();
      this.input.focus();
    });
    close.addEventListener('click', () => {
      this.close();
      this.launcher?.focus();
    });

    if (this.conversation) this.render();
    const target = options.target ?? null;
    if (this.mode === 'inline' && target) target.append(this.host);
    else document.body.append(this.host);
    if (this.mode === 'inline') this.open(false);
  }

  /** The session id of the conversation shown, if one started (the demo page's cross-tenant test reads it). */
  get sessionId(): string | null {
    return this.conversation?.sessionId ?? null;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Shows the panel; the first time, starts the session (or shows the stored one). */
  open(focus = true): void {
    if (this.destroyed) return;
    this.opened = true;
    this.panel.hidden = false;
    this.launcher?.setAttribute('aria-expanded', 'true');
    if (focus) this.input.focus();
    if (!this.conversation) void this.ensureSession();
    this.scrollDown();
  }

  close(): void {
    if (this.mode === 'inline') return;
    this.opened = false;
    this.panel.hidden = true;
    this.launcher?.setAttribute('aria-expanded', 'false');
  }

  /** Removes the widget from the page; the stored conversation stays for the next page. */
  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.retryTimer);
    this.host.remove();
  }

  /** Sends a message as the visitor would; resolves once the reply (or the error) shows. */
  async send(message: string): Promise<void> {
    const text = message.trim();
    if (!text || this.sending || this.destroyed) return;
    this.sending = true;
    try {
      if (!this.opened) this.open(false);
      if (!(await this.ensureSession())) return;
      this.input.value = '';
      await this.deliver(text, false);
    } finally {
      this.sending = false;
    }
  }

  /** The stored conversation, or a new one from POST /session (one at a time). False when it could not start. */
  private ensureSession(): Promise<boolean> {
    if (this.conversation) return Promise.resolve(true);
    return (this.starting ??= this.start().finally(() => (this.starting = null)));
  }

  private async start(): Promise<boolean> {
    this.setBusy(true, this.text.starting);
    try {
      const started = await startSession(this.apiOrigin, this.tenant);
      if (this.destroyed) return false;
      this.conversation = { sessionId: started.session_id, name: started.tenant.name, messages: [{ from: 'assistant', text: started.tenant.welcome }] };
      this.store.save(this.conversation);
      this.render();
      return true;
    } catch (error) {
      this.showError(error, () => void this.ensureSession());
      return false;
    } finally {
      this.setBusy(false);
    }
  }

  /** POST /chat with the visitor's message (shown once, retries included), then the reply. */
  private async deliver(text: string, restarted: boolean, shown?: HTMLElement): Promise<void> {
    shown ??= this.addMessage('visitor', text);
    const conversation = this.conversation!;
    this.setBusy(true, fill(this.text.typing, { name: conversation.name }));
    try {
      const { reply } = await sendMessage(this.apiOrigin, this.tenant, conversation.sessionId, text);
      if (this.destroyed) return;
      conversation.messages.push({ from: 'visitor', text }, { from: 'assistant', text: reply });
      this.store.save(conversation);
      this.addMessage('assistant', reply);
    } catch (error) {
      this.setBusy(false);
      if (!restarted && error instanceof WidgetApiError && (error.status === 403 || error.status === 404) && !NOT_A_SESSION_PROBLEM.has(error.detail)) {
        // The stored session is gone or not this tenant's: a new one, then the same message again.
        this.store.clear();
        this.conversation = null;
        if (!(await this.ensureSession())) return;
        this.log.prepend(h('p', { class: 'note' }, this.text.restarted));
        await this.deliver(text, true);
        return;
      }
      this.showError(error, () => void this.retrySend(text, restarted, shown));
    } finally {
      this.setBusy(false);
    }
  }

  private async retrySend(text: string, restarted: boolean, shown: HTMLElement): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      await this.deliver(text, restarted, shown);
    } finally {
      this.sending = false;
    }
  }

  private setBusy(busy: boolean, status = ''): void {
    this.sendButton.disabled = busy;
    this.status.textContent = status;
    if (busy) this.hideError();
  }

  /** Says what went wrong in words a visitor understands, with a way to try again. */
  private showError(error: unknown, retry: () => void): void {
    const t = this.text;
    const e = error instanceof WidgetApiError ? error : new WidgetApiError(0, 'network');
    let message = t.failed;
    if (e.status === 429) message = fill(t.rateLimited, { seconds: e.retryAfter ?? 10 });
    else if (e.network) message = t.network;
    else if (NOT_A_SESSION_PROBLEM.has(e.detail)) message = t.unavailable;
    else if (e.status === 422 && e.detail) message = fill(t.invalid, { detail: e.detail });
    this.alertText.textContent = message;
    this.alert.hidden = false;
    this.onRetry = retry;
    // After a 429, trying again before Retry-After would only be refused again.
    clearTimeout(this.retryTimer);
    this.retry.disabled = e.status === 429;
    if (e.status === 429) this.retryTimer = setTimeout(() => (this.retry.disabled = false), (e.retryAfter ?? 10) * 1000);
  }

  private hideError(): void {
    this.alert.hidden = true;
    this.onRetry = null;
  }

  private render(): void {
    this.log.replaceChildren();
    if (!this.conversation) return;
    this.title.textContent = this.conversation.name;
    const label = fill(this.text.openWith, { name: this.conversation.name });
    this.launcher?.setAttribute('aria-label', label);
    this.launcher?.parentElement?.setAttribute('aria-label', label);
    for (const m of this.conversation.messages) this.addMessage(m.from, m.text);
  }

  private addMessage(from: 'visitor' | 'assistant', text: string): HTMLElement {
    const who = from === 'visitor' ? this.text.you : (this.conversation?.name ?? this.text.assistant);
    const bubble = h('div', { class: `msg ${from}` }, h('span', { class: 'sr' }, `${who}: `), text);
    this.log.append(bubble);
    this.scrollDown();
    return bubble;
  }

  private scrollDown(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }
}
