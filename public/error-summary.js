// After a refused submission the focus moves to the error summary (role="alert", tabindex="-1",
// data-error-summary), so a screen reader reads it first and the keyboard starts from its links
// to the fields. A file, not an inline script: the pages' Content-Security-Policy allows only these.
(() => {
  const summary = document.querySelector('[data-error-summary]');
  if (summary && typeof summary.focus === 'function') summary.focus();
})();
