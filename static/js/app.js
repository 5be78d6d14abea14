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
})();
