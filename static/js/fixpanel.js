// The fix panel: a gap explained, with the fixes its rule allows, in a modal dialog.
// Any `[data-fix-open]` link (a matrix badge, a gaps-page row, the dashboard's top ten) opens
// it; without JavaScript the same link is a page of its own. htmx loads the panel and posts
// its forms; the dialog keeps the focus inside, Escape or Close gives it back to the opener.
// When a fix resolves the gap, the dialog closes, the gap's rows leave the page
// (`[data-gap-row]`), and in the matrix editor the changed rows are put in place by matrix.js.
(function () {
  "use strict";
  var dialog = document.getElementById("fix-dialog");
  if (!dialog || !window.htmx) return;
  var body = document.getElementById("fix-dialog-body");
  var opener = null;  // where the focus goes back to: the link, or its row when that was redrawn

  function open(link) {
    // The focus goes back where it was: the link, or the editor's cell whose F key opened it.
    var active = document.activeElement;
    var back = active && active !== document.body && !dialog.contains(active) ? active : link;
    opener = { link: back, row: link.closest("tr[id], li[id]") };
    var url = link.getAttribute("href") + "?from=" + encodeURIComponent(link.getAttribute("data-fix-from") || "page");
    htmx.ajax("GET", url, { target: body, swap: "innerHTML" }).then(function () {
      if (!dialog.open) dialog.showModal();
      var title = body.querySelector(".fix-title");
      if (title) title.focus();
    });
  }

  function giveFocusBack() {
    var target = opener && opener.link;
    if (target && !document.contains(target)) {
      var row = opener.row && document.getElementById(opener.row.id);
      target = row ? row.querySelector("[data-fix-open], td.cell, a, button") : null;
    }
    if (!target || !document.contains(target)) target = document.getElementById("main");
    if (target === document.getElementById("main")) target.setAttribute("tabindex", "-1");
    target.focus();
    opener = null;
  }

  function announce(message) {
    // The editor has its own status line; other pages the shared live region.
    var status = document.getElementById("matrix-status");
    if (status) {
      status.textContent = message;
      status.className = "matrix-status show is-ok";
      return;
    }
    var region = document.getElementById("messages");
    if (!region) return;
    var note = document.createElement("div");
    note.className = "flash flash-success";
    note.textContent = message;
    region.replaceChildren(note);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-fix-open]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      event.stopPropagation();
      open(link);
      return;
    }
    if (event.target.closest("[data-fix-close]")) dialog.close();
  }, true);
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();  // a click on the backdrop
  });
  dialog.addEventListener("close", function () {
    body.replaceChildren();
    giveFocusBack();
  });

  // A refused fix (409: someone changed the matrix; 400: a missing name) still shows its panel,
  // with the message and the fixes as they are now.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target === body && (event.detail.xhr.status === 409 || event.detail.xhr.status === 400)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== body) return;
    var swaps = body.querySelector("[data-matrix-swap]");
    if (swaps) {
      document.dispatchEvent(new CustomEvent("cx:matrix-swap", { detail: { html: swaps.innerHTML } }));
      swaps.remove();
    }
    var panel = body.querySelector("[data-fix-done]");
    if (panel) {
      document.querySelectorAll('[data-gap-row="' + panel.getAttribute("data-gap") + '"]').forEach(function (row) {
        row.remove();
      });
      announce(panel.getAttribute("data-message"));
      dialog.close();
      return;
    }
    var outcome = body.querySelector(".fix-outcome") || body.querySelector(".fix-title");
    if (outcome) outcome.focus();
  });
})();
