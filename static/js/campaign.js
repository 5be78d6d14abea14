// A function's review page: after one Confirm is swapped in place (htmx), the focus goes to the
// next Confirm button below it, or back to the row's touchpoint, never to the top of the page.
(function () {
  "use strict";

  let confirmedRow = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.target.closest ? event.target.closest("form[data-confirm-one]") : null;
    confirmedRow = form ? form.closest("tr").dataset.item : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!confirmedRow) return;
    const row = document.querySelector('tr[data-item="' + confirmedRow + '"]');
    confirmedRow = null;
    if (!row) return;
    let next = row.nextElementSibling;
    while (next && !next.querySelector("form[data-confirm-one] button")) next = next.nextElementSibling;
    const target = next ? next.querySelector("form[data-confirm-one] button") : row.querySelector("th a");
    if (target) target.focus({ preventScroll: false });
  });
})();
