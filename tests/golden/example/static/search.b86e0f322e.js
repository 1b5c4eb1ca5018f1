// The search page: Pagefind's UI, started with the query from ?q= (the header's search form).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("search");
    if (!box) return;
    if (location.protocol === "file:" || typeof PagefindUI === "undefined") {
      var note = document.querySelector(".search-offline");
      if (note) note.hidden = false;
      return;
    }
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: box.getAttribute("data-bundle").replace(/[^/]*$/, ""),  // the folder of pagefind.js
      showSubResults: true,
      showImages: false,
      resetStyles: false
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) ui.triggerSearch(q);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
