// Small progressive enhancements for every page; each page works without them.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    // The organization switcher navigates as soon as an organization is chosen.
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
  document.addEventListener("submit", function (event) {
    // Destructive forms ask first.
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // A part of the page swapped in place by htmx (the dashboard's heatmap when a journey opens)
  // gives the keyboard focus back to the control that asked for it, found by its row's id.
  // Only the settling of that very request gives it back: the inbox bell, which fetches its count
  // on its own after the page loads, used to settle in between and drop the control's place.
  var asked = null; // {row: the id of the pressed control's row, request: its htmx request}
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var row = elt.closest("[id]");
    if (row && row !== elt && elt.matches("a, button")) asked = { row: row.id, request: event.detail.requestConfig };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!asked || event.detail.requestConfig !== asked.request) return;
    var row = document.getElementById(asked.row);
    var control = row && row.querySelector("a, button");
    asked = null;
    if (control) control.focus();
  });
})();
