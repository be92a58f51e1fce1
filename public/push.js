// The account page's "notifications on this device" switch: uses the service worker outbox.js registers,
// subscribes with the server's VAPID key and sends the subscription to the server (or removes
// it). Loaded only on the account page; the worker's report page never carries it.
'use strict';
(function () {
  const box = document.getElementById('push-device');
  if (!box) return;
  const status = document.getElementById('push-status');
  const on = document.getElementById('push-enable');
  const off = document.getElementById('push-disable');
  const say = (key) => { status.textContent = box.dataset[key] || ''; };
  const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (!supported) { say('unsupported'); return; }
  const b64 = (s) => {
    const pad = '='.repeat((4 - (s.length % 4)) % 4);
    const raw = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const send = (method, body) => fetch('/api/v1/push/subscriptions', {
    method, credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const show = async () => {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = reg && await reg.pushManager.getSubscription();
    on.hidden = Boolean(sub);
    off.hidden = !sub;
  };
  on.hidden = false;
  on.addEventListener('click', async () => {
    try {
      if (await Notification.requestPermission() !== 'granted') { say('denied'); return; }
      const reg = await navigator.serviceWorker.ready; // registered by outbox.js on every page
      const key = await (await fetch('/api/v1/push/key')).json();
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: b64(key.publicKey),
      });
      const res = await send('POST', sub.toJSON());
      if (!res.ok) throw new Error(String(res.status));
      say('enabled');
      location.reload();
    } catch (e) {
      say('failed');
    }
  });
  off.addEventListener('click', async () => {
    try {
      const reg = await navigator.serviceWorker.getRegistration('/');
      const sub = reg && await reg.pushManager.getSubscription();
      if (sub) {
        await send('DELETE', { endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      say('disabled');
      location.reload();
    } catch (e) {
      say('failed');
    }
  });
  show().catch(() => {});
})();
