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
})();
