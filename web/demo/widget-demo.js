// @ts-check
/* global window, document */
/**
 * The demo page's controls (a file of its own: the page's CSP allows no inline script). The widgets
 * themselves come from /widget.js; this only drives them through window.TenantryWidget.
 */

/** @param {string} tenant */
function widgetOf(tenant) {
  const widget = window.TenantryWidget?.instances().find((w) => w.tenant === tenant);
  if (!widget) throw new Error(`the ${tenant} widget has not loaded`);
  return widget;
}

/** Waits for a widget's session id: the inline widgets start their session when they mount. */
/** @param {string} tenant */
async function sessionOf(tenant) {
  for (let i = 0; i < 100; i++) {
    const id = window.TenantryWidget?.instances().find((w) => w.tenant === tenant)?.sessionId;
    if (id) return id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the ${tenant} widget has no session (is the tenant imported? npm run db:seed)`);
}

document.addEventListener('DOMContentLoaded', () => {
  const askAll = /** @type {HTMLFormElement} */ (document.getElementById('ask-all'));
  const text = /** @type {HTMLInputElement} */ (document.getElementById('ask-all-text'));
  askAll.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const tenant of ['acme', 'globex', 'initech']) void widgetOf(tenant).send(text.value);
  });

  const button = /** @type {HTMLButtonElement} */ (document.getElementById('cross-tenant'));
  const result = /** @type {HTMLOutputElement} */ (document.getElementById('cross-result'));
  button.addEventListener('click', async () => {
    result.textContent = '…';
    try {
      const sessionId = await sessionOf('acme');
      const response = await fetch('/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant_id: 'globex', session_id: sessionId, message: 'hello from acme' }),
      });
      result.textContent = `acme's session ${sessionId} sent to globex: ${response.status} ${await response.text()}`;
      result.dataset.status = String(response.status);
    } catch (error) {
      result.textContent = String(error);
    }
  });
});
