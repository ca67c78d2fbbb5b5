// The queue's filters apply as they change: a select, a checkbox, or the search after a short
// pause (Enter still submits the form at once). The page is fetched whole, and the tabs and the
// rows below the form are swapped in, so the search box keeps its focus and caret. Without
// JavaScript the form's "Apply filters" button does the same by a plain GET.
(() => {
  const form = document.getElementById('queue-filters');
  const rows = document.getElementById('queue-rows');
  const tabs = document.getElementById('queue-tabs');
  if (!form || !rows || !tabs || !window.fetch || !window.DOMParser) return;
  const SEARCH_PAUSE_MS = 400;
  let asked = 0;
  const apply = async () => {
    const url = new URL(form.action, window.location.href);
    for (const [name, value] of new FormData(form)) {
      if (value !== '') url.searchParams.append(name, String(value));
    }
    const mine = ++asked;
    form.setAttribute('aria-busy', 'true');
    try {
      const res = await fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      // A newer change already asked again; a refused query (400) is shown by the plain submit.
      if (mine !== asked) return;
      if (!res.ok) return form.submit();
      const page = new DOMParser().parseFromString(await res.text(), 'text/html');
      const newRows = page.getElementById('queue-rows');
      const newTabs = page.getElementById('queue-tabs');
      if (!newRows || !newTabs) return form.submit();
      rows.innerHTML = newRows.innerHTML;
      tabs.innerHTML = newTabs.innerHTML;
      window.history.replaceState(null, '', url);
    } finally {
      if (mine === asked) form.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('change', (event) => {
    if (event.target && event.target.id === 'q') return;
    void apply();
  });
  let pause;
  form.addEventListener('input', (event) => {
    if (!event.target || event.target.id !== 'q') return;
    clearTimeout(pause);
    pause = setTimeout(() => void apply(), SEARCH_PAUSE_MS);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(pause);
    void apply();
  });
})();
