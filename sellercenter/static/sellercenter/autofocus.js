/* Put the cursor in the page's `autofocus` field (the staff order's product field, where a barcode
   scanner types) once the page is parsed, and again when it comes back from the browser's cache.
   The attribute alone is not enough: the browser skips it when the window is not the focused one
   or when the page is restored, and a scan would then go nowhere. Nothing is moved when the person
   already put the cursor somewhere. */
(function () {
  "use strict";

  function focusField() {
    var field = document.querySelector("[autofocus]");
    var active = document.activeElement;
    if (field && (active === null || active === document.body || active === document.documentElement)) {
      field.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusField);
  } else {
    focusField();
  }
  window.addEventListener("pageshow", focusField);
})();
