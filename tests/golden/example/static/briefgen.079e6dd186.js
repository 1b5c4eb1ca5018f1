// briefgen: progressive enhancement only; every page works without this file.
(function () {
  "use strict";

  // --- Quoted passages: following a link to #quote-<claim> centres and flashes the passage. ---
  function flash() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    if (!id) return;
    var anchor = document.getElementById(id);
    if (!anchor || !anchor.classList.contains("quote-anchor")) return;
    var mark = anchor.nextElementSibling;
    if (!mark || mark.tagName !== "MARK") return;
    mark.scrollIntoView({ block: "center" });
    mark.classList.remove("flash");
    void mark.offsetWidth; // restart the animation when the same passage is followed again
    mark.classList.add("flash");
  }
  window.addEventListener("hashchange", flash);

  // --- Previews of cross-references: hover or focus a link with data-preview. ---
  // The target page is fetched (same origin, http only: from file:// nothing happens) and its
  // title and first summary ([data-summary]) are shown in a tooltip. Escape closes it; it stays
  // open while the pointer is over it (WCAG 1.4.13: dismissible, hoverable, persistent).
  var HOVER_DELAY = 300, HIDE_DELAY = 250, MAX_TEXT = 280;
  var KINDS = { actor: "Actor", claim: "Claim", article: "Source article" };
  var cache = {};
  var tip = null, current = null, described = null, showTimer = 0, hideTimer = 0;

  function enabled() {
    return (location.protocol === "http:" || location.protocol === "https:") && window.fetch && window.DOMParser;
  }

  // The page a link leads to (without its #fragment) and the fragment, or null for another
  // site or this very page.
  function target(link) {
    var url;
    try { url = new URL(link.getAttribute("href"), location.href); } catch (e) { return null; }
    if (url.origin !== location.origin) return null;
    var fragment = url.hash.slice(1);
    url.hash = "";
    var here = new URL(location.href);
    here.hash = "";
    return url.href === here.href ? null : { page: url.href, fragment: fragment };
  }

  function words(node) {
    if (!node) return "";
    var copy = node.cloneNode(true);
    var hidden = copy.querySelectorAll("[aria-hidden=true], .quote-claim");
    for (var i = 0; i < hidden.length; i++) hidden[i].remove();
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function clean(node) {
    var text = words(node);
    return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT - 1).replace(/\s+\S*$/, "") + "…" : text;
  }

  // A passage in its paragraph, cut to about MAX_TEXT characters around it: [before, quote, after].
  function passage(block, mark) {
    var text = words(block), quote = words(mark), at = text.indexOf(quote);
    if (at < 0) return ["", quote, ""];
    var room = Math.max(0, MAX_TEXT - quote.length), start = Math.max(0, at - Math.floor(room / 2));
    var before = text.slice(start, at), after = text.slice(at + quote.length, at + quote.length + room - before.length);
    if (start > 0) before = "…" + before.replace(/^\S*\s/, "");
    if (at + quote.length + after.length < text.length) after = after.replace(/\s\S*$/, "") + "…";
    return [before, quote, after];
  }

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); })
        .catch(function () { return null; });
    }
    return cache[url];
  }

  // What to show: the page's title and first summary; for a link to a quoted passage, the
  // paragraph that holds the passage.
  function extract(doc, fragment) {
    var title = doc && clean(doc.querySelector("main h1"));
    if (!title) return null;
    var anchor = fragment && doc.getElementById(fragment);
    var mark = anchor && anchor.classList.contains("quote-anchor") && anchor.nextElementSibling;
    var block = mark && mark.tagName === "MARK" && mark.closest("p, li, blockquote, td");
    if (block) return { title: title, passage: passage(block, mark) };
    return { title: title, text: clean(doc.querySelector("main [data-summary]") || doc.querySelector("main .eyebrow")) };
  }

  function tooltip() {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "briefgen-preview";
      tip.className = "preview";
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      tip.addEventListener("mouseleave", scheduleHide);
      document.body.appendChild(tip);
    }
    return tip;
  }

  function place(link) {
    var box = link.getBoundingClientRect();
    var t = tooltip();
    var margin = 8, width = t.offsetWidth, height = t.offsetHeight;
    var left = Math.min(Math.max(box.left, margin), document.documentElement.clientWidth - width - margin);
    var below = box.bottom + margin;
    var top = below + height > window.innerHeight && box.top - margin - height > 0 ? box.top - margin - height : below;
    t.style.left = Math.max(left, margin) + window.scrollX + "px";  // CSSOM, which the CSP allows
    t.style.top = top + window.scrollY + "px";
  }

  function show(link) {
    var to = target(link);
    if (!to) return;
    current = link;
    load(to.page).then(function (doc) {
      var info = extract(doc, to.fragment);
      if (current !== link || !info) return;
      var t = tooltip();
      t.textContent = "";
      var kind = document.createElement("p");
      kind.className = "preview-kind";
      kind.textContent = info.passage ? "Passage in context" : KINDS[link.getAttribute("data-preview")] || "";
      var title = document.createElement("p");
      title.className = "preview-title";
      title.textContent = info.title;
      t.appendChild(kind);
      t.appendChild(title);
      if (info.text || info.passage) {
        var text = document.createElement("p");
        text.className = "preview-text";
        if (info.passage) {
          var quote = document.createElement("mark");
          quote.className = "quote";
          quote.textContent = info.passage[1];
          text.appendChild(document.createTextNode(info.passage[0]));
          text.appendChild(quote);
          text.appendChild(document.createTextNode(info.passage[2]));
        } else {
          text.textContent = info.text;
        }
        t.appendChild(text);
      }
      t.hidden = false;
      if (described && described !== link) described.removeAttribute("aria-describedby");
      described = link;
      link.setAttribute("aria-describedby", t.id);
      place(link);
    });
  }

  function hide() {
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    if (described) described.removeAttribute("aria-describedby");
    current = described = null;
    if (tip) tip.hidden = true;
  }

  function scheduleHide() {
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_DELAY);
  }

  function previewLink(event) {
    var el = event.target;
    return el && el.closest ? el.closest("a[data-preview]") : null;
  }

  function start() {
    flash();
    if (!enabled()) return;
    document.addEventListener("pointerover", function (event) {
      if (event.pointerType !== "mouse" && event.pointerType !== "pen") return;
      var link = previewLink(event);
      if (!link) return;
      clearTimeout(hideTimer);
      if (link === current) return;
      clearTimeout(showTimer);
      showTimer = setTimeout(function () { show(link); }, HOVER_DELAY);
    });
    document.addEventListener("pointerout", function (event) {
      var link = previewLink(event);
      if (!link || link.contains(event.relatedTarget)) return;
      if (link === current) scheduleHide();
      else clearTimeout(showTimer);  // left before its preview was due
    });
    document.addEventListener("focusin", function (event) {
      var link = previewLink(event);
      if (link) { clearTimeout(hideTimer); clearTimeout(showTimer); show(link); }
    });
    document.addEventListener("focusout", function (event) {
      if (previewLink(event) === current) scheduleHide();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && tip && !tip.hidden) hide();
    });
    window.addEventListener("resize", function () { if (current && tip && !tip.hidden) place(current); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
