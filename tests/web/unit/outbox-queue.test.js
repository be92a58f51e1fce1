// The outbox's queue (public/outbox-queue.js): the backoff schedule, what a refusal is, and the
// rule that a queued report is never deleted before a receipt arrived.
'use strict';
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, Server, Locks, reportForm, settle } = require('./phone.js');

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/// What a page connects: the receipts it kept (as 我的报告 in localStorage would), in order.
function pageKeeping(receipts = [], { canKeep = true } = {}) {
  return {
    keepReceipt: (rec, receipt) => {
      if (!canKeep) return false;
      receipts.push({ id: rec.id, code: receipt.code });
      return true;
    },
    moved: () => {},
    changed: () => {},
  };
}

/// Stores a report as the form's send does, and answers its record.
async function queued(queue, form = reportForm()) {
  const { rec, kept } = await queue.keep(form, 'zh-CN');
  assert.equal(kept, true);
  return rec;
}

describe('backoff', () => {
  test('the first retry waits 2 s and each next one twice as long', () => {
    const queue = new Phone().queue();
    assert.equal(queue.RETRY_BASE_MS, 2 * SECOND);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(queue.backoff), [2, 4, 8, 16, 32, 64, 128].map((s) => s * SECOND));
  });

  test('no retry waits longer than 5 minutes', () => {
    const queue = new Phone().queue();
    assert.equal(queue.RETRY_MAX_MS, 5 * MINUTE);
    assert.equal(queue.backoff(8), 256 * SECOND);
    for (const attempts of [9, 10, 20, 100]) assert.equal(queue.backoff(attempts), 5 * MINUTE);
  });

  test('a failing server is tried again on the backoff schedule, and not before', async () => {
    const phone = new Phone();
    const server = new Server({ status: 503, body: { message: 'busy' } });
    const queue = phone.queue({ server });
    const rec = await queued(queue);
    assert.equal((await queue.send(rec)).kind, 'retry');
    const waits = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      const stored = await queue.get(rec.id);
      assert.equal(stored.attempts, attempt);
      assert.equal(stored.state, 'waiting');
      const wait = stored.next - phone.now;
      waits.push(wait);
      // One millisecond early: not due, nothing is sent.
      phone.wait(wait - 1);
      assert.equal(await queue.flush(false), false, 'a report is still waiting');
      assert.equal(server.posts.length, attempt);
      phone.wait(1);
      assert.equal(await queue.flush(false), false);
      assert.equal(server.posts.length, attempt + 1);
    }
    assert.deepEqual(waits, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map((s) => s * SECOND));
  });

  test('coming back online sends every waiting report at once, whatever its schedule', async () => {
    const phone = new Phone();
    const server = new Server('network');
    const queue = phone.queue({ server });
    const rec = await queued(queue);
    await queue.send(rec);
    await queue.send(await queue.get(rec.id));
    assert.equal((await queue.get(rec.id)).next - phone.now, 4 * SECOND);
    server.answer = 'receipt';
    queue.connect(pageKeeping());
    assert.equal(await queue.flush(true), true, 'nothing left waiting');
    assert.equal(server.posts.length, 3);
    assert.equal(await queue.get(rec.id), undefined);
  });
});

describe('refusal', () => {
  for (const status of [400, 401, 403, 404, 409, 413, 422]) {
    test(`a ${status} marks the report refused with the server's message and never sends it again`, async () => {
      const server = new Server({ status, body: { message: '地址不能为空' } });
      const queue = new Phone().queue({ server });
      const rec = await queued(queue);
      const out = await queue.send(rec);
      assert.equal(out.kind, 'refused');
      assert.equal(out.status, status);
      assert.equal(JSON.parse(out.body).message, '地址不能为空');
      const stored = await queue.get(rec.id);
      assert.equal(stored.state, 'refused');
      assert.equal(stored.error, '地址不能为空');
      // Kept (the 删除 button is the worker's choice), but sending it again cannot help.
      assert.equal(await queue.flush(true), true);
      assert.equal(server.posts.length, 1);
    });
  }

  test('a refusal without a message is refused with an empty one', async () => {
    const queue = new Phone().queue({ server: new Server({ status: 400, body: '<html>Bad Request</html>' }) });
    const rec = await queued(queue);
    assert.equal((await queue.send(rec)).kind, 'refused');
    assert.equal((await queue.get(rec.id)).error, '');
  });

  const retried = [
    ['a 500', { status: 500, body: { message: 'internal' } }, 500],
    ['a 502', { status: 502, body: 'Bad Gateway' }, 502],
    ['a 503', { status: 503, body: {} }, 503],
    ['a 408', { status: 408, body: {} }, 408],
    ['a 429', { status: 429, body: { message: 'slow down' } }, 429],
    ['no answer', 'network', 0],
  ];
  for (const [what, answer, status] of retried) {
    test(`${what} leaves the report waiting for a retry, not refused`, async () => {
      const phone = new Phone();
      const server = new Server(answer);
      const queue = phone.queue({ server });
      const rec = await queued(queue);
      const out = await queue.send(rec);
      assert.deepEqual({ ...out }, { kind: 'retry', status });
      const stored = await queue.get(rec.id);
      assert.equal(stored.state, 'waiting');
      assert.equal(stored.attempts, 1);
      assert.equal(stored.status, status);
      assert.equal(stored.error, undefined);
      phone.wait(2 * SECOND);
      await queue.flush(false);
      assert.equal(server.posts.length, 2, 'sent again once due');
    });
  }
});

describe('never delete a queued report before a receipt', () => {
  test('the form\'s report is stored under its client id, with its photos, before anything is sent', async () => {
    const server = new Server();
    const queue = new Phone().queue({ server });
    const form = reportForm({ photos: 2 });
    const rec = await queued(queue, form);
    assert.equal(rec.id, form.get('client_id'));
    assert.equal(server.posts.length, 0);
    const stored = await queue.get(rec.id);
    assert.deepEqual(stored.fields, [...form.entries()].filter(([, v]) => typeof v === 'string'));
    assert.equal(stored.photos.length, 2);
    assert.deepEqual([...new Uint8Array(await stored.photos[1].arrayBuffer())], [0xff, 0xd8, 1, 0xff, 0xd9]);
    assert.equal(stored.category, 'fire_exit');
    assert.equal(stored.state, 'waiting');
  });

  test('a page from the cache reusing a stored report\'s client id never overwrites that report', async () => {
    const queue = new Phone().queue({ server: new Server('network') });
    const first = await queued(queue, reportForm({ clientId: 'c0ffee00-0000-4000-8000-000000000001', address: '一号车间' }));
    // The same report handed over twice stays one report under one id.
    assert.equal((await queued(queue, reportForm({ clientId: first.id, address: '一号车间' }))).id, first.id);
    const second = await queued(queue, reportForm({ clientId: first.id, address: '二号仓库' }));
    assert.notEqual(second.id, first.id);
    assert.deepEqual([...second.fields.find(([k]) => k === 'client_id')], ['client_id', second.id]);
    assert.equal((await queue.get(first.id)).fields.find(([k]) => k === 'address')[1], '一号车间');
    assert.equal((await queue.all()).length, 2);
  });

  test('a send that gets no answer keeps the report, its fields and its photos', async () => {
    const queue = new Phone().queue({ server: new Server('network') });
    queue.connect(pageKeeping());
    const rec = await queued(queue, reportForm({ photos: 3 }));
    await queue.send(rec);
    await queue.flush(true);
    const stored = await queue.get(rec.id);
    assert.ok(stored, 'still queued');
    assert.equal(stored.photos.length, 3);
    assert.equal(stored.fields.find(([k]) => k === 'address')[1], '金水区花园路 88 号');
  });

  for (const [what, reply] of [
    ['a 200 without a receipt code', { status: 200, body: { ok: true } }],
    ['a 201 with an empty receipt code', { status: 201, body: { receipt_code: '' } }],
    ['a 200 that is not JSON (a portal\'s login page)', { status: 200, body: '<html>请登录 Wi-Fi</html>' }],
    ['a 302 from a captive portal', { status: 302, body: '' }],
  ]) {
    test(`${what} keeps the report to send again`, async () => {
      const queue = new Phone().queue({ server: new Server(reply) });
      const receipts = [];
      queue.connect(pageKeeping(receipts));
      const rec = await queued(queue);
      assert.equal((await queue.send(rec)).kind, 'retry');
      assert.equal((await queue.get(rec.id)).state, 'waiting');
      assert.deepEqual(receipts, []);
    });
  }

  test('a receipt removes the report once the page has kept the receipt', async () => {
    const server = new Server();
    const queue = new Phone().queue({ server });
    const receipts = [];
    let storedWhenKept = null;
    const page = pageKeeping(receipts);
    const keepReceipt = page.keepReceipt;
    page.keepReceipt = (rec, receipt) => {
      storedWhenKept = queue.get(rec.id);
      return keepReceipt(rec, receipt);
    };
    queue.connect(page);
    const rec = await queued(queue);
    const out = await queue.send(rec);
    assert.deepEqual({ ...out }, { kind: 'sent', receipt_code: 'ZZ-0001', receipt_url: '/r/ZZ0001' });
    assert.deepEqual(receipts, [{ id: rec.id, code: 'ZZ-0001' }]);
    assert.ok(await storedWhenKept, 'still queued while the receipt was being kept');
    assert.equal(await queue.get(rec.id), undefined);
  });

  test('a page that cannot keep the receipt keeps the report, marked sent with its receipt', async () => {
    const server = new Server();
    const queue = new Phone().queue({ server });
    queue.connect(pageKeeping([], { canKeep: false }));
    const rec = await queued(queue);
    assert.equal((await queue.send(rec)).kind, 'sent');
    const stored = await queue.get(rec.id);
    assert.equal(stored.state, 'sent');
    assert.deepEqual({ ...stored.receipt }, { code: 'ZZ-0001', url: '/r/ZZ0001' });
    assert.equal(await queue.flush(true), true);
    assert.equal(server.posts.length, 1, 'a sent report is not sent again');
  });

  test('the service worker keeps a sent report until a page takes its receipt', async () => {
    const phone = new Phone();
    const server = new Server();
    const page = phone.queue({ server });
    const rec = await queued(page);
    // Background Sync: the worker has no 我的报告 to put the receipt in.
    const worker = phone.queue({ server });
    assert.equal(await worker.flush(false), true);
    assert.equal((await worker.get(rec.id)).state, 'sent');
    // The next page opened takes the receipt, without sending the report again.
    const next = phone.queue({ server });
    const receipts = [];
    next.connect(pageKeeping(receipts));
    await next.flush(false);
    assert.deepEqual(receipts, [{ id: rec.id, code: 'ZZ-0001' }]);
    assert.equal(await next.get(rec.id), undefined);
    assert.equal(server.posts.length, 1);
  });

  test('a page closed mid-upload sends the report again under the same client id: one report on the server', async () => {
    const phone = new Phone();
    const server = new Server('hang');
    const closed = phone.queue({ server });
    const rec = await queued(closed, reportForm({ photos: 2 }));
    closed.send(rec); // the page is closed before the upload ends
    await settle();
    assert.equal(server.posts.length, 1);
    // The server did store it; its answer never arrived.
    server.receiptFor(rec.id);
    server.answer = 'receipt';
    const reopened = phone.queue({ server });
    const receipts = [];
    reopened.connect(pageKeeping(receipts));
    assert.equal(await reopened.flush(true), true);
    assert.deepEqual(server.posts.map((p) => p.fields.client_id), [rec.id, rec.id]);
    assert.deepEqual(server.posts.map((p) => p.photos.length), [2, 2]);
    assert.equal(server.stored.size, 1);
    assert.deepEqual(receipts, [{ id: rec.id, code: 'ZZ-0001' }]);
    assert.equal(await reopened.get(rec.id), undefined);
  });

  test('a crash between the receipt and the delete sends again under the same client id and gets the same receipt', async () => {
    const phone = new Phone();
    const server = new Server();
    const crashing = phone.queue({ server });
    crashing.connect({ keepReceipt: () => { throw new Error('the page was closed'); }, changed: () => {} });
    const rec = await queued(crashing);
    await assert.rejects(crashing.send(rec));
    assert.ok(await crashing.get(rec.id), 'still queued');
    const reopened = phone.queue({ server });
    const receipts = [];
    reopened.connect(pageKeeping(receipts));
    await reopened.flush(false);
    assert.deepEqual(server.posts.map((p) => p.fields.client_id), [rec.id, rec.id]);
    assert.equal(server.stored.size, 1);
    assert.deepEqual(receipts, [{ id: rec.id, code: 'ZZ-0001' }]);
    assert.equal(await reopened.get(rec.id), undefined);
  });
});

describe('turn-taking', () => {
  test('while one sender holds the Web Lock, another sends nothing', async () => {
    const phone = new Phone();
    const locks = new Locks();
    // The worker's upload never ends; anything sent after it would be answered at once.
    const server = new Server(() => (server.posts.length === 1 ? 'hang' : 'receipt'));
    const page = phone.queue({ server, locks });
    page.connect(pageKeeping());
    const rec = await queued(page);
    const worker = phone.queue({ server, locks });
    const uploading = worker.flush(true);
    await settle();
    assert.equal(server.posts.length, 1);
    assert.equal(worker.sending(), rec.id);
    assert.equal(await page.flush(true), true, 'the page leaves it to the worker');
    assert.equal(await page.locked(() => 'ran'), null);
    assert.equal(server.posts.length, 1, 'sent once');
    assert.equal(page.sending(), null, 'not by this page');
    void uploading;
  });
});
