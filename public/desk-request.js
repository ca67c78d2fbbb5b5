// The request page's two courtesies, both optional (the page works without scripts):
// 1. Presence: every few seconds, and when typing starts, tell the desk this page is open (and
//    whether we are typing), and show who else has it open. The desk forgets a page within 30 s.
// 2. Drafts: what is typed into a decision or note box is kept in this tab's sessionStorage until
//    the desk confirms it was done, so a failed send (an error page, a lost connection) loses nothing.
(() => {
  const box = document.getElementById('presence');
  const reference = decodeURIComponent(window.location.pathname.split('/')[3] || '');
  if (!box || !reference) return;

  // --- Presence ---
  const TYPING_MS = 8000;
  let typingUntil = 0;
  let lastSent = 0;
  const show = (others) => {
    box.replaceChildren();
    if (!others.length) return;
    const label = document.createElement('span');
    label.className = 'presence-label';
    label.textContent = 'Also open by';
    box.append(label, ' ');
    for (const other of others) {
      const who = document.createElement('span');
      who.className = other.typing ? 'present typing' : 'present';
      who.textContent = other.typing ? `${other.email} is typing…` : other.email;
      box.append(who);
    }
  };
  const report = async () => {
    lastSent = Date.now();
    const body = new URLSearchParams({ _csrf: box.dataset.csrf, typing: String(Date.now() < typingUntil) });
    try {
      const res = await fetch(box.dataset.presence, { method: 'POST', body, credentials: 'same-origin' });
      if (res.ok) show((await res.json()).others);
    } catch {
      // Offline for a moment: the next report tries again.
    }
  };
  setInterval(() => void report(), 5000);
  window.addEventListener('pagehide', () => {
    navigator.sendBeacon(
      box.dataset.presence,
      new URLSearchParams({ _csrf: box.dataset.csrf, leave: 'true' }),
    );
  });

  // --- Drafts ---
  const boxes = [...document.querySelectorAll('form.decision textarea, form.note-form textarea')];
  const keyOf = (area) =>
    `draft:${reference}:${area.form.querySelector('[name=type]')?.value || 'note'}:${area.name}`;
  const done =
    document.querySelector('main .note[role=status]') && !document.querySelector('[data-error-summary]');
  for (const area of boxes) {
    const key = keyOf(area);
    const pending = sessionStorage.getItem(`${key}:sent`) !== null;
    // The desk confirmed the send this draft was part of: it is done.
    if (pending && done) {
      sessionStorage.removeItem(key);
      sessionStorage.removeItem(`${key}:sent`);
    }
    const draft = sessionStorage.getItem(key);
    if (draft && !area.value.trim()) {
      area.value = draft;
      const said = document.createElement('p');
      said.className = 'hint draft-restored';
      said.textContent = 'Restored what you typed here earlier; it has not been sent.';
      area.after(said);
    }
    area.addEventListener('input', () => {
      sessionStorage.setItem(key, area.value);
      const idle = Date.now() >= typingUntil;
      typingUntil = Date.now() + TYPING_MS;
      if (idle || Date.now() - lastSent > 3000) void report();
    });
    // Only the form sent last is waiting for the desk's word; the others stay drafts.
    area.form.addEventListener('submit', () => {
      for (const other of boxes) sessionStorage.removeItem(`${keyOf(other)}:sent`);
      sessionStorage.setItem(`${key}:sent`, '1');
    });
  }
})();
