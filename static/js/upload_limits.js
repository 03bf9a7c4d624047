/* Image uploads in the admin: a file over the size limit is flagged as soon as it is chosen, so the form is
   not sent (and what was typed is not lost) only to be refused. The server checks again; this only helps.
   The limit and the message come from the field: data-max-bytes, data-too-large (already translated). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) {
      return;
    }
    var limit = Number(input.dataset.maxBytes);
    var tooLarge = Array.prototype.some.call(input.files || [], function (file) {
      return file.size > limit;
    });
    input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
    if (tooLarge) {
      input.reportValidity();
    }
  });
})();
