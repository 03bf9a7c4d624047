// The catalogue's filter panel: a <details> folded on phones. On wide screens site.css already shows its
// content as a sidebar while it is closed (no layout jump); this opens it there so its state says so too,
// and opens it in browsers whose CSS cannot show a closed <details>' content (no ::details-content).
(function () {
  "use strict";
  var details = document.querySelector("details.filters");
  if (!details || !window.matchMedia) {
    return;
  }
  var wide = window.matchMedia("(min-width: 60rem)");
  function follow() {
    if (wide.matches) {
      details.open = true;
    }
  }
  follow();
  if (wide.addEventListener) {
    wide.addEventListener("change", follow);
  }
})();
