// What SafeSnap keeps on the phone. The outbox: reports that could not be sent yet, kept until
// the server has answered with a receipt. The receipts: saved when a receipt page is shown,
// listed with their status on 我的报告, offered for linking on the account page. Loaded by every page (the 待发送 list, sending when the app opens, on
// `online` and `visibilitychange`) and by the service worker (Background Sync). Each report is
// stored in IndexedDB under its client id — the server's idempotency key — with its fields and
// its prepared photos as Blobs, so sending it any number of times stores exactly one report.
// The list's words come from the page (data attributes rendered from the translation files).
'use strict';
(function (g) {
  const DB_NAME = 'safesnap';
  const STORE = 'outbox';
  // Retries after a failed send wait RETRY_BASE_MS · 2^(attempts − 1), at most RETRY_MAX_MS.
  const RETRY_BASE_MS = 2000;
  const RETRY_MAX_MS = 5 * 60 * 1000;
  const UPLOAD_TIMEOUT_MS = 180000;
  const SYNC_TAG = 'safesnap-outbox';
  const RECEIPTS_KEY = 'safesnap.receipts';
  const inPage = typeof document !== 'undefined';
  let sendingId = null;
  let timer = null;
  const justSent = [];

  function done(r) {
    return new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  let dbp = null;
  function db() {
    if (!dbp) {
      const r = indexedDB.open(DB_NAME, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'id' });
      dbp = done(r).catch((e) => { dbp = null; throw e; });
    }
    return dbp;
  }
  async function store(mode) {
    return (await db()).transaction(STORE, mode).objectStore(STORE);
  }
  async function commit(mode, f) {
    const s = await store(mode);
    const finished = new Promise((resolve, reject) => {
      s.transaction.oncomplete = resolve;
      s.transaction.onerror = s.transaction.onabort = () => reject(s.transaction.error);
    });
    f(s);
    await finished;
  }
  const all = async () => (await done((await store('readonly')).getAll())).sort((a, b) => a.at - b.at);
  const put = (rec) => commit('readwrite', (s) => s.put(rec));
  const remove = (id) => commit('readwrite', (s) => s.delete(id));

  function backoff(attempts) {
    return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  }

  function formOf(rec) {
    const f = new FormData();
    for (const [k, v] of rec.fields) f.append(k, v);
    rec.photos.forEach((p, i) => f.append('photo', p, 'photo-' + (i + 1) + '.jpg'));
    return f;
  }

  // One POST. Resolves {status, body}; rejects when no answer arrived.
  function post(rec, onProgress) {
    const url = '/api/v1/reports?lang=' + encodeURIComponent(rec.lang || 'zh-CN');
    if (typeof XMLHttpRequest === 'undefined') {
      const ctl = new AbortController();
      const t = setTimeout(() => ctl.abort(), UPLOAD_TIMEOUT_MS);
      return fetch(url, { method: 'POST', body: formOf(rec), headers: { Accept: 'application/json' }, signal: ctl.signal, credentials: 'same-origin' })
        .then(async (res) => ({ status: res.status, body: await res.text() }))
        .finally(() => clearTimeout(t));
    }
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', url);
      x.timeout = UPLOAD_TIMEOUT_MS;
      x.setRequestHeader('Accept', 'application/json');
      if (onProgress) x.upload.onprogress = (e) => { if (e.lengthComputable && e.total) onProgress(e.loaded / e.total); };
      x.onload = () => resolve({ status: x.status, body: x.responseText });
      x.onerror = x.ontimeout = x.onabort = () => reject(new Error('network'));
      x.send(formOf(rec));
    });
  }

  function rememberReceipt(code, category, at) {
    if (!inPage) return false;
    try {
      const list = JSON.parse(localStorage.getItem(RECEIPTS_KEY) || '[]');
      if (!list.some((r) => r.code === code)) list.unshift({ code, category, at });
      localStorage.setItem(RECEIPTS_KEY, JSON.stringify(list));
      return true;
    } catch (e) {
      return false;
    }
  }

  // A sent report: its receipt goes to 我的报告 (in a page; the service worker leaves it marked
  // `sent` for the next page to move), then it leaves the outbox.
  async function delivered(rec, created) {
    const receipt = { code: created.receipt_code, url: created.receipt_url };
    if (rememberReceipt(receipt.code, rec.category, rec.at)) {
      await remove(rec.id);
      justSent.push({ id: rec.id, category: rec.category, at: rec.at, receipt });
      if (inPage) showReceipts();
    } else {
      await put(Object.assign(rec, { state: 'sent', receipt }));
    }
  }

  // Sends one stored report. Returns what happened: sent / refused (4xx: sending it again cannot
  // help) / retry (no answer, 5xx, 408, 429).
  async function attempt(rec, onProgress) {
    sendingId = rec.id;
    render();
    try {
      return await sendOnce(rec, onProgress);
    } finally {
      sendingId = null;
      render();
    }
  }

  async function sendOnce(rec, onProgress) {
    let answer = null;
    try {
      answer = await post(rec, onProgress);
    } catch (e) {
      answer = null;
    }
    let body = null;
    try { body = answer && JSON.parse(answer.body); } catch (e) { body = null; }
    if (answer && (answer.status === 200 || answer.status === 201) && body && body.receipt_code) {
      await delivered(rec, body);
      return { kind: 'sent', receipt_url: body.receipt_url, receipt_code: body.receipt_code };
    }
    const status = answer ? answer.status : 0;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      rec.state = 'refused';
      rec.error = (body && body.message) || '';
      await put(rec);
      return { kind: 'refused', status, body: answer.body };
    }
    rec.attempts = (rec.attempts || 0) + 1;
    rec.state = 'waiting';
    rec.status = status;
    rec.next = Date.now() + backoff(rec.attempts);
    await put(rec);
    return { kind: 'retry', status };
  }

  function locked(f) {
    const locks = g.navigator && g.navigator.locks;
    return locks ? locks.request(SYNC_TAG, { ifAvailable: true }, (lock) => (lock ? f() : null)) : f();
  }

  async function askForSync() {
    try {
      const reg = await g.navigator.serviceWorker.ready;
      if (reg.sync) await reg.sync.register(SYNC_TAG);
    } catch (e) { /* no Background Sync here: the page's own triggers send it */ }
  }

  // Sends every report that is due (or all of them, `force`). Resolves true when none is left
  // waiting for a retry.
  async function flush(force) {
    let left = false;
    await locked(async () => {
      for (const rec of await all()) {
        if (rec.state === 'sent') {
          if (inPage) await delivered(rec, { receipt_code: rec.receipt.code, receipt_url: rec.receipt.url });
          continue;
        }
        if (rec.state === 'refused') continue;
        if (!force && rec.next > Date.now()) { left = true; continue; }
        if ((await attempt(rec)).kind === 'retry') left = true;
      }
    });
    if (inPage) { await render(); schedule(); }
    return !left;
  }

  async function schedule() {
    clearTimeout(timer);
    const due = (await all()).filter((r) => r.state === 'waiting').map((r) => r.next);
    if (due.length) timer = setTimeout(() => flush(false), Math.max(0, Math.min(...due) - Date.now()) + 50);
  }

  // The form's send: stores the report first (so closing the page cannot lose it), then tries
  // to send it at once. Answers {kind: sent | queued | refused | full}.
  async function submit(form, lang, onProgress) {
    const rec = { id: '', at: Date.now(), lang, category: '', fields: [], photos: [], state: 'waiting', attempts: 0, next: 0 };
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') {
        rec.fields.push([k, v]);
        if (k === 'client_id') rec.id = v;
        if (k === 'category') rec.category = v;
      } else {
        rec.photos.push(v);
      }
    }
    let kept = true;
    try {
      // A page served from the cache carries an id a report may already have: never overwrite.
      const same = await done((await store('readonly')).get(rec.id));
      if (!rec.id || (same && JSON.stringify(same.fields) !== JSON.stringify(rec.fields))) {
        rec.id = g.crypto.randomUUID();
        rec.fields = rec.fields.map(([k, v]) => [k, k === 'client_id' ? rec.id : v]);
        if (!rec.fields.some(([k]) => k === 'client_id')) rec.fields.push(['client_id', rec.id]);
      }
      await put(rec);
      if (g.navigator.storage && g.navigator.storage.persist) g.navigator.storage.persist().catch(() => {});
    } catch (e) {
      kept = false;
    }
    if (!kept && !g.navigator.onLine) return { kind: 'full' };
    if (!g.navigator.onLine) { askForSync(); render(); return { kind: 'queued' }; }
    const out = await locked(() => attempt(rec, onProgress));
    if (!out) { schedule(); return { kind: 'queued' }; }
    if (out.kind === 'refused') { await remove(rec.id).catch(() => {}); render(); }
    if (out.kind !== 'retry') return out;
    if (!kept) { await remove(rec.id).catch(() => {}); return { kind: 'full' }; }
    askForSync();
    schedule();
    return { kind: 'queued' };
  }

  // --- the 待发送 list (in pages) -----------------------------------------------------------
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
    if (!inPage) return;
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
        if (r.id === sendingId) { item(r, 'sending', d.sending); continue; }
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

  // --- receipts kept on this phone (in pages) ----------------------------------------------
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

  if (inPage) {
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
  }
})(self);
