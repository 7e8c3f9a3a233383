// The panel's only script besides htmx: the CSP forbids inline scripts, so behaviour lives here.
(function () {
  "use strict";
  // Litestar's CSRF check: HTMX requests carry the page's token as the x-csrftoken header
  // (plain forms send it as the _csrf_token field).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });
  // "Select the page": a header checkbox with data-check-all="name" ticks every checkbox of that
  // name in its form (without JavaScript, rows are ticked one by one).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.matches || !box.matches("input[data-check-all]")) {
      return;
    }
    var form = box.form || document;
    var boxes = form.querySelectorAll('input[type="checkbox"][name="' + box.dataset.checkAll + '"]');
    Array.prototype.forEach.call(boxes, function (other) {
      other.checked = box.checked;
    });
  });
})();
