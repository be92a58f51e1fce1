// What SafeSnap keeps on the phone, the page's part. The outbox's queue (IndexedDB, sending,
// retries, the lock; shared with the service worker) is outbox-queue.js, loaded just before this
// script; here is what only a page has: the form's send (`safesnapOutbox.submit`, called by the
// WASM), the 待发送 list, the receipts moved to 我的报告 (localStorage; offered for linking on
// the account page), sending when the app opens, on `online` and `visibilitychange`, and
// registering the service worker. The list's words come from the page (data attributes
// rendered from the translation files).
'use strict';
(function (g) {
  const Q = g.safesnapQueue;
  const { SYNC_TAG, RETRY_BASE_MS, RETRY_MAX_MS, all, remove } = Q;
  const RECEIPTS_KEY = 'safesnap.receipts';
  let timer = null;
  // Reports sent while this page is open: shown in 待发送 with their receipt.
  const justSent = [];

  function rememberReceipt(code, category, at) {
    try {
      const list = JSON.parse(localStorage.getItem(RECEIPTS_KEY) || '[]');
      if (!list.some((r) => r.code === code)) list.unshift({ code, category, at });
      localStorage.setItem(RECEIPTS_KEY, JSON.stringify(list));
      return true;
    } catch (e) {
      return false;
    }
  }

  // A sent report's receipt goes to 我的报告 before the queue lets the report go.
  Q.connect({
    keepReceipt: (rec, receipt) => rememberReceipt(receipt.code, rec.category, rec.at),
    moved: (rec, receipt) => {
      justSent.push({ id: rec.id, category: rec.category, at: rec.at, receipt });
      showReceipts();
    },
    changed: () => { render(); },
  });

  async function askForSync() {
    try {
      const reg = await g.navigator.serviceWorker.ready;
      if (reg.sync) await reg.sync.register(SYNC_TAG);
    } catch (e) { /* no Background Sync here: the page's own triggers send it */ }
  }

  // Sends every report that is due (or all of them, `force`), then redraws the list and sets
  // the timer for the next retry. Resolves true when none is left waiting for a retry.
  async function flush(force) {
    const allSent = await Q.flush(force);
    await render();
    schedule();
    return allSent;
  }

  async function schedule() {
    clearTimeout(timer);
    const due = (await all()).filter((r) => r.state === 'waiting').map((r) => r.next);
    if (due.length) timer = setTimeout(() => flush(false), Math.max(0, Math.min(...due) - Date.now()) + 50);
  }

  // The form's send: stores the report first (so closing the page cannot lose it), then tries
  // to send it at once. Answers {kind: sent | queued | refused | full}. A refused report goes
  // back to the form (which shows the server's message), not into 待发送.
  async function submit(form, lang, onProgress) {
    const { rec, kept } = await Q.keep(form, lang);
    if (!kept && !g.navigator.onLine) return { kind: 'full' };
    if (!g.navigator.onLine) { askForSync(); render(); return { kind: 'queued' }; }
    const out = await Q.locked(() => Q.send(rec, onProgress));
    if (!out) { schedule(); return { kind: 'queued' }; }
    if (out.kind === 'refused') { await remove(rec.id).catch(() => {}); render(); }
    if (out.kind !== 'retry') return out;
    if (!kept) { await remove(rec.id).catch(() => {}); return { kind: 'full' }; }
    askForSync();
    schedule();
    return { kind: 'queued' };
  }

  // --- the 待发送 list -----------------------------------------------------------
  // Shown in Asia/Shanghai as the server's pages show times: 2026-11-25 08:15.
  const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const when = (at) => stamp.format(new Date(at));
  const fill = (s, k, v) => (s || '').split('{' + k + '}').join(v);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  async function render() {
    const boxes = document.querySelectorAll('[data-outbox]');
    if (!boxes.length) return;
    let recs = [];
    try { recs = await all(); } catch (e) { recs = []; }
    boxes.forEach((box) => {
      const d = box.dataset;
      const names = JSON.parse(d.categories || '{}');
      const list = box.querySelector('ul');
      list.replaceChildren();
      const item = (r, state, text) => {
        const li = el('li', 'outbox-item ' + state);
        li.dataset.id = r.id;
        li.append(el('span', 'what', (names[r.category] || '') + ' · ' + when(r.at)));
        li.append(el('span', 'state', text));
        list.append(li);
        return li;
      };
      for (const r of recs) {
        if (r.state === 'sent') continue;
        if (r.id === Q.sending()) { item(r, 'sending', d.sending); continue; }
        if (r.state === 'refused') {
          const li = item(r, 'refused', d.refused + (r.error ? ' ' + r.error : ''));
          const b = el('button', 'button secondary', d.discard);
          b.type = 'button';
          b.addEventListener('click', async () => { if (confirm(d.discardConfirm)) { await remove(r.id); render(); } });
          li.append(b);
          continue;
        }
        let text = d.waiting;
        if (r.attempts) text = fill(fill(d.retrying, 'n', r.attempts), 'time', when(r.next));
        item(r, 'waiting', text);
      }
      for (const s of justSent) {
        const li = item(s, 'sent', d.sent);
        const a = el('a', 'receipt-link', fill(d.receipt, 'code', s.receipt.code));
        a.href = s.receipt.url;
        li.append(a);
      }
      box.hidden = list.children.length === 0;
      const note = box.querySelector('.outbox-offline');
      if (note) note.hidden = g.navigator.onLine;
    });
  }

  // --- receipts kept on this phone ----------------------------------------------
  function receiptsOnPhone() {
    try { return JSON.parse(localStorage.getItem(RECEIPTS_KEY) || '[]'); } catch (e) { return []; }
  }

  function showReceipts() {
    const note = document.querySelector('[data-save-receipt]');
    if (note) {
      const d = note.dataset;
      if (rememberReceipt(d.saveReceipt, d.category, Number(d.at))) note.textContent = d.saved;
    }
    const list = receiptsOnPhone();
    const link = document.querySelector('[data-link-receipts]');
    if (link && list.length) {
      link.querySelector('input[name=codes]').value = list.map((r) => r.code).join(',');
      const hint = link.querySelector('[data-hint]');
      hint.textContent = fill(hint.dataset.hint, 'n', list.length);
      link.hidden = false;
    }
    const box = document.querySelector('[data-receipts]');
    if (!box) return;
    const d = box.dataset;
    const names = JSON.parse(d.categories || '{}');
    if (!list.length) { box.replaceChildren(el('p', 'hint', d.empty)); return; }
    const ul = el('ul', 'receipt-list');
    for (const r of list) {
      const code = r.code.replace(/-/g, '');
      const a = el('a');
      a.href = '/r/' + code;
      const status = el('span', 'status', d.loading);
      a.append(el('span', 'code', r.code), el('span', 'what', (names[r.category] || '') + ' · ' + when(r.at)), status);
      const li = el('li');
      li.append(a);
      ul.append(li);
      fetch('/api/v1/receipts/' + code + '?lang=' + encodeURIComponent(document.documentElement.lang))
        .then((res) => (res.ok ? res.json() : Promise.reject(res.status)))
        .then((s) => { status.textContent = s.urgent ? s.state_label + ' · ' + d.urgent : s.state_label; })
        .catch(() => { status.textContent = d.unavailable; });
    }
    box.replaceChildren(ul);
  }

  g.safesnapOutbox = { submit, flush, render, all, SYNC_TAG, RETRY_BASE_MS, RETRY_MAX_MS };

  const start = () => { showReceipts(); render(); if (g.navigator.onLine) flush(true); else schedule(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
  g.addEventListener('online', () => flush(true));
  g.addEventListener('offline', render);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible' && g.navigator.onLine) flush(false); });
  if ('serviceWorker' in g.navigator) {
    const s = document.querySelector('script[data-sw]');
    if (s) g.navigator.serviceWorker.register(s.dataset.sw, { scope: '/' }).catch(() => {});
    g.navigator.serviceWorker.addEventListener('message', (e) => { if (e.data === SYNC_TAG) flush(false); });
  }
})(self);
