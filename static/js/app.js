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
  var asked = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.detail.elt.closest("[id]");
    asked = row && event.detail.elt.matches("a, button") ? row.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var row = asked && document.getElementById(asked);
    var control = row && row.querySelector("a, button");
    if (control) control.focus();
    asked = null;
  });
})();
