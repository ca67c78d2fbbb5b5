// The queue's bulk panel: it shows once a row is ticked, counts the ticked rows, offers "tick
// every row", shows only the fields the chosen action needs, and names what the button will do.
// Ticks survive the rows being redrawn (new match results, filters applied as they change) for
// the requests still shown. Without JavaScript the panel is always there and works as a plain form.
(() => {
  const form = document.getElementById('bulk');
  const rows = document.getElementById('queue-rows');
  const action = document.getElementById('bulk-action');
  const count = document.getElementById('bulk-count');
  const submit = document.getElementById('bulk-submit');
  if (!form || !rows || !action || !count || !submit) return;
  const boxes = () => [...rows.querySelectorAll('input[name="ref"]')];
  const ticked = new Set(
    boxes()
      .filter((b) => b.checked)
      .map((b) => b.value),
  );
  const VERBS = { assign: 'Assign', release: 'Release', reject: 'Reject' };

  const show = () => {
    const all = boxes();
    for (const box of all) box.checked = ticked.has(box.value);
    for (const ref of [...ticked]) if (!all.some((b) => b.value === ref)) ticked.delete(ref);
    const n = ticked.size;
    const requests = n === 1 ? '1 request' : `${n} requests`;
    form.hidden = n === 0 && !document.getElementById('bulk-error');
    count.textContent = `(${n} ticked)`;
    const verb = VERBS[action.value];
    submit.textContent = verb
      ? `${verb} ${requests}${action.value === 'reject' ? ' and email each customer' : ''}`
      : 'Apply to the ticked requests';
    for (const field of form.querySelectorAll('[data-for-action]')) {
      field.hidden = field.dataset.forAction !== action.value;
    }
    const tickAll = document.getElementById('tick-all');
    if (tickAll) {
      tickAll.hidden = all.length === 0;
      tickAll.checked = all.length > 0 && n === all.length;
      tickAll.indeterminate = n > 0 && n < all.length;
    }
  };

  rows.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
    const targets = box.id === 'tick-all' ? boxes() : [box];
    for (const b of targets) {
      if (box.checked) ticked.add(b.value);
      else ticked.delete(b.value);
    }
    show();
  });
  action.addEventListener('change', show);
  // The rows are redrawn by desk-live.js and queue-filters.js: tick again what is still shown.
  new MutationObserver(show).observe(rows, { childList: true });
  // The filters may have changed the address since the page was drawn: come back to what is shown.
  form.addEventListener('submit', () => {
    form.elements.namedItem('back').value = window.location.search.replace(/^\?/, '');
  });
  show();
})();
