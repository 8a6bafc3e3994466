/**
 * widget.js: `<script src="https://<tenantry>/widget.js" data-tenant="acme" async></script>`.
 *
 * Defines one global, `window.TenantryWidget`, and mounts a widget for each such script tag: the
 * API's origin is the script's own (so the snippet works on any host page), `data-mode="inline"`
 * with `data-target="#id"` puts the panel inside that element instead of a corner bubble, and
 * `data-lang` picks English or French. The same file included several times (one tag per tenant)
 * shares the first copy's namespace.
 */
import { Widget, type WidgetMode, type WidgetOptions } from './widget.ts';

export interface TenantryWidgetApi {
  readonly version: string;
  /** Mounts a widget; apiOrigin defaults to the origin widget.js came from. */
  mount(options: Omit<WidgetOptions, 'apiOrigin' | 'target'> & { apiOrigin?: string; target?: Element | string | null }): Widget;
  /** Mounts the widget a script tag describes (data-tenant, data-mode, data-target, data-lang), once. */
  mountScript(script: HTMLScriptElement): Widget | null;
  instances(): Widget[];
  /** Opens, closes or removes the widgets of `tenant` (all of them without one). */
  open(tenant?: string): void;
  close(tenant?: string): void;
  destroy(tenant?: string): void;
}

declare global {
  interface Window {
    TenantryWidget?: TenantryWidgetApi;
  }
}

const SCRIPT = /\/widget\.js(?:[?#]|$)/;

function createApi(ownOrigin: string): TenantryWidgetApi {
  let widgets: Widget[] = [];
  const mounted = new WeakSet<HTMLScriptElement>();
  const live = () => (widgets = widgets.filter((w) => !w.isDestroyed)); // destroy() may be called on a widget itself
  const pick = (tenant?: string) => live().filter((w) => tenant === undefined || w.tenant === tenant);

  const api: TenantryWidgetApi = {
    version: '1',
    mount({ apiOrigin, target, ...rest }) {
      const element = typeof target === 'string' ? document.querySelector(target) : (target ?? null);
      if (rest.mode === 'inline' && !element) throw new Error(`TenantryWidget: no element ${String(target)} for the inline widget`);
      const slot = live().filter((w) => w.mode === 'bubble').length;
      const widget = new Widget({ ...rest, apiOrigin: apiOrigin ?? ownOrigin, target: element, lang: rest.lang || document.documentElement.lang || navigator.language }, slot);
      widgets.push(widget);
      return widget;
    },
    mountScript(script) {
      const tenant = script.dataset.tenant?.trim();
      if (!tenant || mounted.has(script)) return null;
      mounted.add(script);
      const mode: WidgetMode = script.dataset.mode === 'inline' ? 'inline' : 'bubble';
      return api.mount({ tenant, mode, target: script.dataset.target ?? null, apiOrigin: new URL(script.src, location.href).origin, lang: script.dataset.lang });
    },
    instances: () => [...live()],
    open: (tenant) => pick(tenant).forEach((w) => w.open()),
    close: (tenant) => pick(tenant).forEach((w) => w.close()),
    destroy: (tenant) => pick(tenant).forEach((w) => w.destroy()),
  };
  return api;
}

const current = document.currentScript as HTMLScriptElement | null;
const ownOrigin = current?.src ? new URL(current.src, location.href).origin : location.origin;
const api = (window.TenantryWidget ??= createApi(ownOrigin));

/** This tag, or (when currentScript is unknown, e.g. loaded by a tag manager) every widget.js tag on the page. */
function mountTags(): void {
  const tags = current?.dataset.tenant ? [current] : [...document.querySelectorAll<HTMLScriptElement>('script[data-tenant]')].filter((s) => SCRIPT.test(s.src));
  for (const tag of tags) {
    try {
      api.mountScript(tag);
    } catch (error) {
      console.error(error);
    }
  }
}

// An async script may run before <body> or its inline target exists.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountTags, { once: true });
else mountTags();
