// The search page: Pagefind's UI, started with the query from ?q= (the header's search form).
(function () {
  "use strict";
  // Each result says what it is: its kind of page and, for a claim, its status. Pagefind's UI shows
  // a result's metadata (other than title and image) as "Key: value" tags, as text; the values
  // come from the page's filters (templates/search-meta.html).
  function labelled(result) {
    var filters = result.filters || {}, meta = {};
    ["title", "image", "image_alt", "url"].forEach(function (key) {
      if (result.meta && key in result.meta) meta[key] = result.meta[key];
    });
    if (filters.kind && filters.kind.length) meta.kind = filters.kind[0];
    if (filters.status && filters.status.length) meta.status = filters.status[0];
    result.meta = meta;
    return result;
  }
  // A status tag takes the theme's colour for that status (status-confirmed, ...).
  var STATUS = /^Status: (confirmed|corroborated|reported|disputed|refuted)$/;
  var MARKS = ["status", "result-kind", "status-confirmed", "status-corroborated", "status-reported",
               "status-disputed", "status-refuted"];
  function markStatuses() {  // again after every change: Pagefind's UI reuses tags for new results
    document.querySelectorAll("#search .pagefind-ui__result-tag").forEach(function (tag) {
      var text = tag.textContent.trim(), found = STATUS.exec(text);
      tag.classList.remove.apply(tag.classList, MARKS);
      if (found) tag.classList.add("status", "status-" + found[1]);
      else if (/^Kind: /.test(text)) tag.classList.add("result-kind");
    });
  }
  function start() {
    var box = document.getElementById("search");
    if (!box) return;
    if (location.protocol === "file:" || typeof PagefindUI === "undefined") {
      var note = document.querySelector(".search-offline");
      if (note) note.hidden = false;
      return;
    }
    // The folder of pagefind.js as a path from the host's root: Pagefind makes each shard's result
    // URLs from its own bundle path, and a relative one (a site without a base URL, served under
    // any sub-path) would make a merged shard's links climb out of the site.
    var bundle = new URL(box.getAttribute("data-bundle"), location.href).pathname.replace(/[^/]*$/, "");
    // A large briefing's index comes in shards (briefgen/search.py): the first is the bundle, the
    // others are merged into it, so one search ranks and filters over all of them.
    fetch(bundle + "briefgen-shards.json").then(function (reply) {
      return reply.ok ? reply.json() : {merge: []};
    }).catch(function () { return {merge: []}; }).then(function (shards) {
      var ui = new PagefindUI({
        element: "#search",
        bundlePath: bundle,
        mergeIndex: (shards.merge || []).map(function (folder) { return {bundlePath: bundle + folder}; }),
        showSubResults: true,
        showImages: false,
        resetStyles: false,
        processResult: labelled
      });
      new MutationObserver(markStatuses).observe(box, {childList: true, subtree: true, characterData: true});
      var q = new URLSearchParams(location.search).get("q");
      if (q) ui.triggerSearch(q);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
