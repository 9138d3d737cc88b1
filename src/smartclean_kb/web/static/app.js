// Progressive enhancement only: every feature here has a plain-HTML equivalent.
//  - "/" focuses the search box, Escape leaves it.
//  - Search as you type: the server-rendered results page for the typed query is fetched
//    (debounced) and its results region and language links swapped in, so the same
//    templates, labels and escaping serve both; the URL is updated so the search stays
//    bookmarkable, and Back returns to the search before the typing. A page without
//    results (the index gone: 503) is loaded as a whole, so its message shows.
//  - The interface language links keep the place on the page (#fragment).
//  - The citation's copy button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var input = document.getElementById("q");
  var form = input ? input.form : null;

  function typingIn(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (!input) return;
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingIn(event.target)) {
      event.preventDefault();
      input.focus();
      input.select();
    } else if (event.key === "Escape" && document.activeElement === input) {
      input.blur();
    }
  });

  // -- search as you type ----------------------------------------------------------------
  var DELAY = 300;
  var MIN_CHARS = 2;
  var timer = null;
  var controller = null;
  var lastUrl = null;

  function resultsUrl() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    return form.getAttribute("action") + "?" + params.toString();
  }

  var typed = false;  // a history entry for this burst of typing exists already
  var shownUrl = location.pathname + location.search;

  function swap(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("results-region");
    var current = document.getElementById("results-region");
    if (!fresh || !current) {
      location.assign(url);
      return;
    }
    current.replaceWith(fresh);
    var links = doc.querySelector(".ui-switch");
    var oldLinks = document.querySelector(".ui-switch");
    if (links && oldLinks) oldLinks.replaceWith(links);
    document.title = doc.title;
    document.body.className = doc.body.className;
    if (typed) {
      history.replaceState({ q: input.value }, "", url);
    } else {
      history.pushState({ q: input.value }, "", url);
      typed = true;
    }
    shownUrl = url;
    var status = document.getElementById("live-status");
    if (status) status.textContent = fresh.getAttribute("data-summary") || "";
  }

  function runSearch() {
    var query = input.value.trim();
    if (query.length > 0 && query.length < MIN_CHARS) return;
    // An emptied box goes back to the start page rather than leaving the old results.
    var url = query ? resultsUrl() : form.getAttribute("action");
    if (url === lastUrl) return;
    lastUrl = url;
    if (controller) controller.abort();
    controller = new AbortController();
    var region = document.getElementById("results-region");
    if (region) region.classList.add("is-loading");
    fetch(url, { signal: controller.signal, headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { swap(html, url); })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        lastUrl = null;  // the same text typed again tries again
        var r = document.getElementById("results-region");
        if (r) r.classList.remove("is-loading");
      });
  }

  if (input && form && document.getElementById("results-region")) {
    lastUrl = location.pathname + location.search;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(runSearch, DELAY);
    });
    form.addEventListener("submit", function () { clearTimeout(timer); });
    // Back and Forward between typed searches: the page shown is another search's.
    window.addEventListener("popstate", function () {
      if (location.pathname + location.search !== shownUrl) location.reload();
    });
  }

  // -- the interface language keeps the place on the page -----------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".ui-switch a") : null;
    if (link && location.hash) link.href = link.href.split("#")[0] + location.hash;
  });

  // -- copy the citation -------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var status = button.parentNode.querySelector(".copy-status");
    function done() { if (status) status.textContent = button.getAttribute("data-done") || "✓"; }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  });
})();
