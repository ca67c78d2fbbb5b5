// The queue refreshes its rows when the matcher stores new results (server-sent events from
// /desk/live), so technicians see new work without reloading. Without JavaScript the page works
// as is; reloading shows the same.
(() => {
  const rows = document.getElementById('queue-rows');
  const status = document.getElementById('live-status');
  if (!rows || !window.EventSource) return;
  const refresh = async () => {
    const url = new URL(window.location.href);
    url.searchParams.set('fragment', 'rows');
    const res = await fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
    if (!res.ok) return;
    rows.innerHTML = await res.text();
    if (status) status.textContent = `Updated with new match results at ${new Date().toLocaleTimeString()}.`;
  };
  const events = new EventSource(rows.dataset.live);
  events.addEventListener('matched', () => void refresh());
})();
