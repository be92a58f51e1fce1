// The notice form's photo review: drag on a photo (finger or mouse) to mark a rectangle the
// enterprise must not see. Each rectangle becomes a hidden `mask` field, `photo:x,y,w,h` in
// thousandths of the photo's size; the server paints it over in a new copy. Without this script
// the inspector can still withhold a photo (the checkbox).
(function () {
  'use strict';
  const MAX_MASKS_PER_PHOTO = 20; // as server/src/photos/mask.rs
  const clamp = (v) => Math.max(0, Math.min(1000, Math.round(v)));

  function setUp(figure) {
    const id = figure.dataset.photo;
    const frame = figure.querySelector('.mask-frame');
    const clear = figure.querySelector('.mask-clear');
    const form = figure.closest('form');
    if (!id || !frame || !form) return;
    let start = null;
    let box = null;

    const at = (e) => {
      const r = frame.getBoundingClientRect();
      return {
        x: ((e.clientX - r.left) / r.width) * 1000,
        y: ((e.clientY - r.top) / r.height) * 1000,
      };
    };
    const place = (el, a, b) => {
      const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
      const w = Math.abs(a.x - b.x), h = Math.abs(a.y - b.y);
      el.style.left = clamp(x) / 10 + '%';
      el.style.top = clamp(y) / 10 + '%';
      el.style.width = clamp(w) / 10 + '%';
      el.style.height = clamp(h) / 10 + '%';
      return { x: clamp(x), y: clamp(y), w: clamp(w), h: clamp(h) };
    };
    const count = () => form.querySelectorAll(`input[name=mask][data-photo="${id}"]`).length;

    frame.addEventListener('pointerdown', (e) => {
      if (count() >= MAX_MASKS_PER_PHOTO) return;
      e.preventDefault();
      frame.setPointerCapture(e.pointerId);
      start = at(e);
      box = document.createElement('div');
      box.className = 'mask-box';
      frame.appendChild(box);
      place(box, start, start);
    });
    frame.addEventListener('pointermove', (e) => {
      if (start && box) place(box, start, at(e));
    });
    const finish = (e) => {
      if (!start || !box) return;
      const r = place(box, start, at(e));
      start = null;
      if (r.w < 5 || r.h < 5 || r.x + r.w > 1000 || r.y + r.h > 1000) {
        box.remove();
        box = null;
        return;
      }
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = 'mask';
      input.dataset.photo = id;
      input.value = `${id}:${r.x},${r.y},${r.w},${r.h}`;
      form.appendChild(input);
      box = null;
      if (clear) clear.hidden = false;
    };
    frame.addEventListener('pointerup', finish);
    frame.addEventListener('pointercancel', () => {
      if (box) box.remove();
      start = null;
      box = null;
    });
    if (clear) {
      clear.addEventListener('click', () => {
        form.querySelectorAll(`input[name=mask][data-photo="${id}"]`).forEach((i) => i.remove());
        frame.querySelectorAll('.mask-box').forEach((b) => b.remove());
        clear.hidden = true;
      });
    }
  }

  document.querySelectorAll('.mask-photo').forEach(setUp);
})();
