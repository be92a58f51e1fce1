// A phone for the JavaScript unit tests: public/outbox-queue.js and public/sw.js run exactly as a
// browser runs them (classic scripts in a global scope of their own, `self` being that scope),
// with fake-indexeddb as the phone's storage, a clock the test moves, a stand-in server and,
// when a test wants one, a Web Lock manager shared by the page and the service worker.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { webcrypto } = require('node:crypto');
const { IDBFactory } = require('fake-indexeddb');

const ROOT = path.join(__dirname, '..', '..', '..');
const PUBLIC = path.join(ROOT, 'public');

/// The stand-in for POST /api/v1/reports: idempotent by client id like the real one (one stored
/// report per client id, the same receipt every time). `answer` decides each reply: a function
/// of the request returning {status, body} (body an object is sent as JSON), 'network' (no
/// answer) or 'hang' (the upload never finishes).
class Server {
  constructor(answer = 'receipt') {
    this.answer = answer;
    this.posts = [];
    this.stored = new Map();
  }

  receiptFor(clientId) {
    if (!this.stored.has(clientId)) {
      const n = String(this.stored.size + 1).padStart(4, '0');
      this.stored.set(clientId, { code: 'ZZ-' + n, url: '/r/ZZ' + n });
    }
    return this.stored.get(clientId);
  }

  fetch(url, init) {
    const fields = {};
    const photos = [];
    for (const [k, v] of init.body.entries()) {
      if (typeof v === 'string') fields[k] = v; else photos.push(v);
    }
    const request = { url, method: init.method, fields, photos };
    this.posts.push(request);
    const answer = typeof this.answer === 'function' ? this.answer(request) : this.answer;
    if (answer === 'network') return Promise.reject(new TypeError('Failed to fetch'));
    if (answer === 'hang') {
      return new Promise((_, reject) => init.signal && init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    let reply = answer;
    if (answer === 'receipt') {
      const r = this.receiptFor(fields.client_id);
      reply = { status: 201, body: { receipt_code: r.code, receipt_url: r.url } };
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    return Promise.resolve({ status: reply.status, text: async () => text });
  }
}

/// navigator.locks with `ifAvailable`, as the queue uses it: held until the callback settles.
class Locks {
  constructor() {
    this.held = new Set();
  }

  async request(name, options, callback) {
    if (this.held.has(name)) {
      if (options && options.ifAvailable) return callback(null);
      throw new Error('this fake only grants locks that are free');
    }
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      this.held.delete(name);
    }
  }
}

/// One phone: its storage outlives the pages and service workers that open it, as IndexedDB
/// outlives a closed tab; the clock is the test's.
class Phone {
  constructor() {
    this.indexedDB = new IDBFactory();
    this.now = Date.UTC(2026, 6, 1, 0, 0, 0);
    this.online = true;
    this.languages = ['zh-CN'];
  }

  /// Moves the clock forward.
  wait(ms) {
    this.now += ms;
  }

  /// A fresh global scope on this phone, with `files` (from public/, or absolute) loaded in order;
  /// `importScripts` finds a URL in public/ unless `resolve` says where; `extra` adds globals.
  load(files, { server = new Server(), locks = null, extra = {}, resolve = null } = {}) {
    const phone = this;
    class PhoneDate extends Date {
      constructor(...args) {
        if (args.length) super(...args); else super(phone.now);
      }

      static now() {
        return phone.now;
      }
    }
    const scope = {
      indexedDB: this.indexedDB,
      fetch: (url, init) => server.fetch(url, init),
      FormData, Blob, File, AbortController, URL, Response, Request,
      // The upload's 3-minute timeout must not keep the test process alive.
      setTimeout: (f, ms, ...args) => setTimeout(f, ms, ...args).unref(),
      clearTimeout, console,
      crypto: webcrypto,
      Date: PhoneDate,
      navigator: {
        get onLine() { return phone.online; },
        languages: this.languages,
        language: this.languages[0],
        ...(locks ? { locks } : {}),
      },
      ...extra,
    };
    scope.self = scope;
    vm.createContext(scope);
    scope.importScripts = (...urls) => {
      for (const url of urls) run(scope, (resolve && resolve(url)) || path.join(PUBLIC, url));
    };
    for (const f of files) run(scope, path.isAbsolute(f) ? f : path.join(PUBLIC, f));
    return scope;
  }

  /// The queue as a page or the service worker has it (public/outbox-queue.js).
  queue(options) {
    return this.load(['outbox-queue.js'], options).safesnapQueue;
  }
}

function run(scope, file) {
  vm.runInContext(fs.readFileSync(file, 'utf8'), scope, { filename: file });
}

/// The report form as the WASM hands it over: its fields, then its photos.
function reportForm({ clientId = webcrypto.randomUUID(), category = 'fire_exit', address = '金水区花园路 88 号', photos = 1 } = {}) {
  const f = new FormData();
  f.append('client_id', clientId);
  f.append('category', category);
  f.append('district', '410105');
  f.append('address', address);
  for (let i = 0; i < photos; i++) f.append('photo', new Blob([new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9])], { type: 'image/jpeg' }), 'photo-' + (i + 1) + '.jpg');
  return f;
}

/// Lets pending promise jobs and fake-indexeddb's callbacks run.
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

module.exports = { Phone, Server, Locks, reportForm, settle, ROOT, PUBLIC };
