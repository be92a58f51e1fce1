// The outbox's queue: reports that could not be sent yet, kept on the phone until the server has
// answered with a receipt. Loaded by every page (before outbox.js, which draws the 待发送 list)
// and by the service worker (Background Sync), so it touches no document, no window and no
// localStorage. Each report is stored in IndexedDB under its client id — the server's
// idempotency key — with its fields and its prepared photos as Blobs, so sending it any number
// of times stores exactly one report. The rule it keeps: a report leaves the queue only once a
// receipt has arrived (the page's form and the 删除 button remove one themselves).
// Tested by tests/web/unit/ (node --test).
'use strict';
(function (g) {
  const DB_NAME = 'safesnap';
  const STORE = 'outbox';
  // Retries after a failed send wait RETRY_BASE_MS · 2^(attempts − 1), at most RETRY_MAX_MS.
  const RETRY_BASE_MS = 2000;
  const RETRY_MAX_MS = 5 * 60 * 1000;
  const UPLOAD_TIMEOUT_MS = 180000;
  // The Background Sync tag, the Web Lock's name and the worker's "look at the outbox" message.
  const SYNC_TAG = 'safesnap-outbox';
  let sendingId = null;
  // What a page connects (outbox.js); the service worker connects nothing.
  let page = null;

  // --- storage (IndexedDB) --------------------------------------------------------------------
  function done(r) {
    return new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  let dbp = null;
  function db() {
    if (!dbp) {
      const r = g.indexedDB.open(DB_NAME, 1);
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
  const get = async (id) => done((await store('readonly')).get(id));
  const put = (rec) => commit('readwrite', (s) => s.put(rec));
  const remove = (id) => commit('readwrite', (s) => s.delete(id));

  function backoff(attempts) {
    return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  }

  // --- sending ------------------------------------------------------------------------------
  function formOf(rec) {
    const f = new FormData();
    for (const [k, v] of rec.fields) f.append(k, v);
    rec.photos.forEach((p, i) => f.append('photo', p, 'photo-' + (i + 1) + '.jpg'));
    return f;
  }

  // One POST. Resolves {status, body}; rejects when no answer arrived. A page uses
  // XMLHttpRequest for the upload's progress; the service worker has only fetch.
  function post(rec, onProgress) {
    const url = '/api/v1/reports?lang=' + encodeURIComponent(rec.lang || 'zh-CN');
    if (typeof g.XMLHttpRequest === 'undefined') {
      const ctl = new AbortController();
      const t = setTimeout(() => ctl.abort(), UPLOAD_TIMEOUT_MS);
      return g.fetch(url, { method: 'POST', body: formOf(rec), headers: { Accept: 'application/json' }, signal: ctl.signal, credentials: 'same-origin' })
        .then(async (res) => ({ status: res.status, body: await res.text() }))
        .finally(() => clearTimeout(t));
    }
    return new Promise((resolve, reject) => {
      const x = new g.XMLHttpRequest();
      x.open('POST', url);
      x.timeout = UPLOAD_TIMEOUT_MS;
      x.setRequestHeader('Accept', 'application/json');
      if (onProgress) x.upload.onprogress = (e) => { if (e.lengthComputable && e.total) onProgress(e.loaded / e.total); };
      x.onload = () => resolve({ status: x.status, body: x.responseText });
      x.onerror = x.ontimeout = x.onabort = () => reject(new Error('network'));
      x.send(formOf(rec));
    });
  }

  function changed() {
    if (page && page.changed) page.changed();
  }

  // A report the server answered with a receipt. In a page that keeps the receipt (我的报告) it
  // leaves the queue; otherwise (the service worker) it stays, marked `sent` with its receipt,
  // for the next page to take.
  async function delivered(rec, receipt) {
    if (page && page.keepReceipt(rec, receipt)) {
      await remove(rec.id);
      if (page.moved) page.moved(rec, receipt);
    } else {
      await put(Object.assign(rec, { state: 'sent', receipt }));
    }
  }

  // Sends one stored report. Returns what happened: sent / refused (4xx: sending it again cannot
  // help) / retry (no answer, 5xx, 408, 429, or an answer without a receipt).
  async function send(rec, onProgress) {
    sendingId = rec.id;
    changed();
    try {
      return await sendOnce(rec, onProgress);
    } finally {
      sendingId = null;
      changed();
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
      await delivered(rec, { code: body.receipt_code, url: body.receipt_url });
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

  // One sender at a time across the pages and the service worker: whoever finds the lock taken
  // leaves the sending to its holder (f is not run; resolves null).
  function locked(f) {
    const locks = g.navigator && g.navigator.locks;
    return locks ? locks.request(SYNC_TAG, { ifAvailable: true }, (lock) => (lock ? f() : null)) : f();
  }

  // Sends every report that is due (or all of them, `force`); a page also takes the receipts the
  // service worker kept. Resolves true when none is left waiting for a retry.
  async function flush(force) {
    let left = false;
    await locked(async () => {
      for (const rec of await all()) {
        if (rec.state === 'sent') {
          if (page) await delivered(rec, rec.receipt);
          continue;
        }
        if (rec.state === 'refused') continue;
        if (!force && rec.next > Date.now()) { left = true; continue; }
        if ((await send(rec)).kind === 'retry') left = true;
      }
    });
    return !left;
  }

  // Stores a report from the form before anything is sent (so closing the page cannot lose it).
  // Resolves {rec, kept}; kept is false when the phone could not store it.
  async function keep(form, lang) {
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
    try {
      // A page served from the cache carries an id a report may already have: never overwrite.
      const same = await get(rec.id);
      if (!rec.id || (same && JSON.stringify(same.fields) !== JSON.stringify(rec.fields))) {
        rec.id = g.crypto.randomUUID();
        rec.fields = rec.fields.map(([k, v]) => [k, k === 'client_id' ? rec.id : v]);
        if (!rec.fields.some(([k]) => k === 'client_id')) rec.fields.push(['client_id', rec.id]);
      }
      await put(rec);
      if (g.navigator.storage && g.navigator.storage.persist) g.navigator.storage.persist().catch(() => {});
      return { rec, kept: true };
    } catch (e) {
      return { rec, kept: false };
    }
  }

  // A page hands over: keepReceipt(rec, {code, url}) → true once the receipt is safe outside the
  // queue; moved(rec, receipt) after the report left the queue; changed() when sending starts or
  // ends.
  function connect(hooks) {
    page = hooks;
  }

  g.safesnapQueue = {
    SYNC_TAG, RETRY_BASE_MS, RETRY_MAX_MS,
    backoff, all, get, remove, keep, send, flush, locked, connect,
    sending: () => sendingId,
  };
})(self);
