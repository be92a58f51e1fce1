// The service worker (public/sw.js): its words come from the translation files, through the
// sw-text.js that scripts/build-site writes, in the push's language or else the phone's; and it
// precaches every script it imports and every script a page loads.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Phone, ROOT } = require('./phone.js');

let dir;
let swText;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safesnap-sw-'));
  swText = path.join(dir, 'sw-text.js');
  execFileSync('bash', [path.join(ROOT, 'scripts', 'build-site'), '--sw-text', swText], { stdio: 'pipe' });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/// A service worker started on a phone whose browser prefers `languages`: its event listeners,
/// the notifications it showed, what it precached and which scripts it imported.
function worker(languages = ['zh-CN']) {
  const phone = new Phone();
  phone.languages = languages;
  const listeners = {};
  const shown = [];
  const cached = [];
  const imported = [];
  const scope = phone.load(['sw.js'], {
    resolve: (url) => {
      imported.push(url);
      return url === '/sw-text.js' ? swText : null;
    },
    extra: {
      location: { href: 'https://safesnap.test/sw.js?v=0123456789ab&n=safesnap', origin: 'https://safesnap.test' },
      addEventListener: (type, f) => { listeners[type] = f; },
      registration: { showNotification: async (title, options) => { shown.push({ title, ...options }); } },
      caches: { open: async () => ({ addAll: async (list) => { cached.push(...list.map((r) => (typeof r === 'string' ? r : new URL(r.url).pathname))); } }) },
      skipWaiting: async () => {},
      Request: class { constructor(url) { this.url = new URL(url, 'https://safesnap.test').href; } },
    },
  });
  const dispatch = async (type, event) => {
    let work = null;
    listeners[type]({ ...event, waitUntil: (p) => { work = p; } });
    await work;
  };
  return { scope, shown, cached, imported, dispatch };
}

/// A push message as the push service delivers it.
const push = (payload) => ({ data: { json: () => payload, text: () => JSON.stringify(payload) } });

describe('the service worker\'s words', () => {
  test('sw-text.js holds the app\'s name from every translation file', () => {
    const langs = fs.readdirSync(path.join(ROOT, 'app', 'locales')).filter((f) => f.endsWith('.toml')).map((f) => f.replace(/\.toml$/, ''));
    const { scope } = worker();
    assert.equal(scope.safesnapText.default, 'zh-CN');
    assert.deepEqual(Object.keys(scope.safesnapText.words).sort(), langs.sort());
    assert.equal(scope.safesnapText.words['zh-CN'].app_name, '安全随手拍');
    assert.equal(scope.safesnapText.words.en.app_name, 'SafeSnap');
  });

  test('a push without a title is shown under the app\'s name in the push\'s language', async () => {
    const { shown, dispatch } = worker(['zh-CN']);
    await dispatch('push', push({ body: 'High temperature alert', lang: 'en', url: '/alerts/7' }));
    assert.deepEqual(shown.map((n) => [n.title, n.lang, n.body, n.data.url]), [['SafeSnap', 'en', 'High temperature alert', '/alerts/7']]);
  });

  for (const [languages, title, lang] of [
    [['zh-CN'], '安全随手拍', 'zh-CN'],
    [['en-US', 'en'], 'SafeSnap', 'en'],
    [['en-GB'], 'SafeSnap', 'en'],
    [['zh-TW'], '安全随手拍', 'zh-CN'],
    [['fr-FR', 'en'], 'SafeSnap', 'en'],
    [['fr-FR'], '安全随手拍', 'zh-CN'],
  ]) {
    test(`a push without a title or language on a phone in ${languages.join(', ')} is shown under ${title}`, async () => {
      const { shown, dispatch } = worker(languages);
      await dispatch('push', push({ body: '…' }));
      assert.deepEqual(shown.map((n) => [n.title, n.lang]), [[title, lang]]);
    });
  }

  test('a push\'s own title is shown as it came, in the server\'s language', async () => {
    const { shown, dispatch } = worker(['en-US']);
    await dispatch('push', push({ title: '高温红色预警', body: '今天午后停止露天作业', tag: 'heat-410100' }));
    assert.deepEqual(shown.map((n) => [n.title, n.lang, n.tag, n.renotify]), [['高温红色预警', 'zh-CN', 'heat-410100', true]]);
  });

  test('a push that is not JSON is shown as its text', async () => {
    const { shown, dispatch } = worker(['en']);
    await dispatch('push', { data: { json: () => { throw new SyntaxError('not JSON'); }, text: () => '测试通知' } });
    assert.deepEqual(shown.map((n) => n.title), ['测试通知']);
  });

  test('an empty push is shown under the app\'s name', async () => {
    const { shown, dispatch } = worker(['zh-CN']);
    await dispatch('push', { data: null });
    await dispatch('push', push(null));
    assert.deepEqual(shown.map((n) => n.title), ['安全随手拍', '安全随手拍']);
  });
});

describe('the service worker\'s cache', () => {
  test('it imports only the queue and its words, never the page\'s outbox script', () => {
    const { imported, scope } = worker();
    assert.deepEqual(imported, ['/outbox-queue.js', '/sw-text.js']);
    assert.equal(typeof scope.safesnapQueue.flush, 'function');
    assert.equal(scope.safesnapOutbox, undefined);
  });

  test('it precaches every script it imports and every script the page shell loads', async () => {
    const { cached, imported, dispatch } = worker();
    await dispatch('install', {});
    const shell = fs.readFileSync(path.join(ROOT, 'app', 'src', 'shell.rs'), 'utf8');
    const pageScripts = [...shell.matchAll(/<script src="(\/[^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(pageScripts, ['/outbox-queue.js', '/outbox.js']);
    for (const script of [...imported, ...pageScripts]) assert.ok(cached.includes(script), script + ' is precached');
    assert.ok(cached.includes('/pkg/0123456789ab/safesnap.wasm'));
  });
});
