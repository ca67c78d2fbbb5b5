// The request page's macro pickers: picking a macro puts its text (already in the customer's
// language) into the form's message box, and a reject macro's reason into the reason list, at once.
// Without this script the "Use" button asks the server to do the same.
(function () {
  'use strict';
  document.querySelectorAll('select[data-macro-picker]').forEach(function (select) {
    var form = select.form;
    var use = form.querySelector('[data-macro-use]');
    if (use) use.hidden = true;
    select.addEventListener('change', function () {
      var option = select.selectedOptions[0];
      if (!option || !option.value) return;
      var message = document.getElementById(select.dataset.message);
      if (message) message.value = option.dataset.text || '';
      var reasons = select.dataset.reason && document.getElementById(select.dataset.reason);
      if (reasons && option.dataset.reason) reasons.value = option.dataset.reason;
      if (message) message.focus();
    });
  });
  // A preview shown after a post: bring it into view.
  var preview = document.querySelector('[data-preview]');
  if (preview) preview.focus();
})();
