// Injected by `briefgen serve` only; never part of a built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var built = Number(script && script.getAttribute("data-epoch"));  // the build this page came from
  var KEY = "briefgen:scroll:" + location.pathname;
  var saved = sessionStorage.getItem(KEY);
  if (saved !== null) {
    sessionStorage.removeItem(KEY);
    var y = parseInt(saved, 10);
    var restore = function () { window.scrollTo(0, y); };
    if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
  }
  var reloading = false;
  function onState(data) {
    var state = JSON.parse(data);
    if (reloading) return;
    if (state.epoch !== built && !state.errors.length) {
      reloading = true;
      sessionStorage.setItem(KEY, String(window.scrollY));
      location.reload();
      return;
    }
    showErrors(state.errors);
    showWarnings(state.errors.length ? [] : (state.warnings || []));  // errors keep the overlay
  }
  // One event stream for all tabs: browsers allow only six connections per host, and each
  // stream holds one open, so tabs share it through a worker when they can.
  if (window.SharedWorker) {
    var worker = new SharedWorker("/__briefgen/worker.js");
    worker.port.onmessage = function (event) { onState(event.data); };
    worker.port.start();
  } else {
    new EventSource("/__briefgen/events").addEventListener("state", function (event) { onState(event.data); });
  }
  function styled() {
    if (!document.getElementById("briefgen-overlay-css")) {
      var link = document.createElement("link");
      link.id = "briefgen-overlay-css"; link.rel = "stylesheet"; link.href = "/__briefgen/overlay.css";
      document.head.appendChild(link);
    }
  }
  function problem(e) {
    var li = document.createElement("li");
    var where = document.createElement("code");
    where.className = "where";
    where.textContent = e.file + (e.line ? ":" + e.line : "");
    li.appendChild(where);
    li.appendChild(document.createTextNode(" " + e.severity + "[" + e.code + "]: " + e.message));
    if (e.hint) {
      var hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = " (" + e.hint + ")";
      li.appendChild(hint);
    }
    return li;
  }
  // A good build's warnings: a small collapsible panel, open or closed as the reader left it.
  var OPEN = "briefgen:warnings-open";
  function showWarnings(warnings) {
    var old = document.getElementById("briefgen-warnings");
    if (old) old.remove();
    if (!warnings.length) return;
    styled();
    var box = document.createElement("aside");
    box.id = "briefgen-warnings";
    box.setAttribute("aria-label", "Build warnings");
    var details = document.createElement("details");
    details.open = sessionStorage.getItem(OPEN) === "1";
    details.addEventListener("toggle", function () { sessionStorage.setItem(OPEN, details.open ? "1" : "0"); });
    var summary = document.createElement("summary");
    summary.textContent = warnings.length + " build warning" + (warnings.length === 1 ? "" : "s");
    details.appendChild(summary);
    var list = document.createElement("ol");
    warnings.forEach(function (e) { list.appendChild(problem(e)); });
    details.appendChild(list);
    box.appendChild(details);
    document.body.appendChild(box);
  }
  function showErrors(errors) {
    var old = document.getElementById("briefgen-overlay");
    if (old) old.remove();
    if (!errors.length) return;
    styled();
    var box = document.createElement("div");
    box.id = "briefgen-overlay";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-label", "Build failed");
    var h = document.createElement("h2");
    h.textContent = "Build failed: " + errors.length + " problem" + (errors.length === 1 ? "" : "s") + ". The last good version of the site is still served.";
    box.appendChild(h);
    var list = document.createElement("ol");
    errors.forEach(function (e) { list.appendChild(problem(e)); });
    box.appendChild(list);
    document.body.appendChild(box);
  }
})();
