// The report's Print button: shown only where scripts run (the browser's own Print menu works too).
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
