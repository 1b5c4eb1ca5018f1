// briefgen: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  // Following a link to a quoted passage: flash it so the eye finds it.
  function flash() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var anchor = document.getElementById(id);
    if (!anchor || !anchor.classList.contains("quote-anchor")) return;
    var mark = anchor.nextElementSibling;
    if (mark && mark.tagName === "MARK") {
      mark.classList.remove("flash");
      void mark.offsetWidth;
      mark.classList.add("flash");
    }
  }
  window.addEventListener("hashchange", flash);
  document.addEventListener("DOMContentLoaded", flash);
})();
