// SafeSnap service worker.
// - Caches: the app shell (the report page, the offline page, the build's JS/WASM/CSS, icons,
//   the outbox's scripts, this worker's words) is precached at install under cache names carrying the build
//   (`?v=<build>` of this script's URL, the same hash as `/pkg/<build>/`); activate deletes the
//   caches of other builds. Pages: network first; only the public pages in CACHED_PAGES are kept,
//   and without a connection the cached copy (or the offline page) is shown. Nothing under
//   `/api/` (reports, receipts, accounts: personal data) and no other page is ever cached.
// - The outbox: Background Sync sends the reports waiting in IndexedDB (outbox-queue.js, the
//   queue without the page's list).
// - Web Push: shows alert notifications and opens the alert when one is tapped. A notice with
//   the same tag (the alert's topic) replaces the earlier one. Its words (the title when a push
//   carries none) come from the translation files: sw-text.js, which scripts/build-site writes
//   from app/locales/*.toml, in the push's `lang` or else the phone's language.
'use strict';
importScripts('/outbox-queue.js', '/sw-text.js');

const params = new URL(self.location.href).searchParams;
const BUILD = params.get('v') || 'dev';
const NAME = params.get('n') || 'safesnap';
const PREFIX = 'safesnap-';
const STATIC_CACHE = PREFIX + 'static-' + BUILD;
const PAGES_CACHE = PREFIX + 'pages-' + BUILD;
const OFFLINE_PAGE = '/offline';
// Pages that carry nothing personal: kept for use without a connection.
const CACHED_PAGES = ['/', '/my', OFFLINE_PAGE];
const SHELL = [
  '/pkg/' + BUILD + '/' + NAME + '.js',
  '/pkg/' + BUILD + '/' + NAME + '.wasm',
  '/pkg/' + BUILD + '/' + NAME + '.css',
  '/outbox-queue.js',
  '/outbox.js',
  '/sw-text.js',
  '/manifest.webmanifest',
  '/favicon.ico',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon-maskable-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(SHELL);
    const pages = await caches.open(PAGES_CACHE);
    // Kept as anyone sees them (no cookies): nothing of a signed-in account is stored.
    await pages.addAll(CACHED_PAGES.map((p) => new Request(p, { credentials: 'omit', cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = [STATIC_CACHE, PAGES_CACHE];
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && !keep.includes(key)) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function page(request) {
  const url = new URL(request.url);
  try {
    const res = await fetch(request);
    // A page the server marks no-store (shown to a signed-in account) is never kept.
    if (res.ok && CACHED_PAGES.includes(url.pathname) && !/no-store/.test(res.headers.get('Cache-Control') || '')) {
      const copy = res.clone();
      caches.open(PAGES_CACHE).then((c) => c.put(url.pathname, copy)).catch(() => {});
    }
    return res;
  } catch (e) {
    const pages = await caches.open(PAGES_CACHE);
    const kept = CACHED_PAGES.includes(url.pathname) ? await pages.match(url.pathname) : null;
    return kept || (await pages.match(OFFLINE_PAGE)) || Response.error();
  }
}

async function asset(request) {
  const hit = await caches.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok && new URL(request.url).pathname.startsWith('/pkg/' + BUILD + '/')) {
    const copy = res.clone();
    caches.open(STATIC_CACHE).then((c) => c.put(request, copy)).catch(() => {});
  }
  return res;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (SHELL.includes(url.pathname) || url.pathname.startsWith('/pkg/')) {
    event.respondWith(asset(request));
  }
});

self.addEventListener('sync', (event) => {
  const queue = self.safesnapQueue;
  if (event.tag !== queue.SYNC_TAG) return;
  event.waitUntil(queue.flush(false).then(async (allSent) => {
    for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(queue.SYNC_TAG);
    // Something is still waiting: the browser retries the sync later.
    if (!allSent) throw new Error('outbox not empty');
  }));
});

// The words in the first language of `wanted` (BCP 47 tags, best first) that the translation
// files have: the whole tag, else its language (en-AU: en; zh-TW: zh-CN); the default (Chinese)
// when none matches.
function words(wanted) {
  const text = self.safesnapText;
  const tags = Object.keys(text.words);
  for (const want of wanted) {
    const w = String(want || '').toLowerCase();
    if (!w) continue;
    const hit = tags.find((t) => t.toLowerCase() === w) || tags.find((t) => t.toLowerCase().split('-')[0] === w.split('-')[0]);
    if (hit) return { lang: hit, t: text.words[hit] };
  }
  return { lang: text.default, t: text.words[text.default] };
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { title: event.data ? event.data.text() : '' };
  }
  if (!data || typeof data !== 'object') data = {};
  const nav = self.navigator || {};
  const { lang, t } = words([data.lang, ...(nav.languages || []), nav.language]);
  const title = data.title || t.app_name;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || '',
      tag: data.tag || undefined,
      renotify: Boolean(data.tag),
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      // The language of the words shown: a push names its own (the server's default, Chinese,
      // when it names none); without a title, the words chosen here.
      lang: data.lang || (data.title ? self.safesnapText.default : lang),
      data: { url: data.url || '/alerts' },
    })
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.url) || '/alerts';
  const url = new URL(path, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      for (const client of list) {
        if (client.url === url && 'focus' in client) return client.focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
