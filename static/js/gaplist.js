// The gaps list's bulk bar: "select all on this page", the count of selected gaps, and only the
// fields the chosen action needs. Delegated on the document, so the table htmx swaps in (filters,
// sorting) works without binding again. Without JavaScript every field shows and the form works.
(function () {
  "use strict";

  function boxes() { return Array.from(document.querySelectorAll("[data-gap-select]")); }

  function refresh() {
    const all = boxes();
    const chosen = all.filter(function (box) { return box.checked; }).length;
    const head = document.querySelector("[data-select-all]");
    if (head) {
      head.checked = all.length > 0 && chosen === all.length;
      head.indeterminate = chosen > 0 && chosen < all.length;
    }
    const count = document.querySelector("[data-bulk-count]");
    if (count) {
      count.textContent = chosen === 0
        ? "Select gaps with the boxes, then choose what to do."
        : chosen + (chosen === 1 ? " gap selected." : " gaps selected.");
    }
  }

  function showFields() {
    const form = document.querySelector("[data-gap-bulk]");
    if (!form) return;
    const action = form.querySelector("[name=action]").value;
    form.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = !field.dataset.bulkFor.split(" ").includes(action);
    });
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      refresh();
    } else if (target.matches("[data-gap-select]")) {
      refresh();
    } else if (target.matches("[data-gap-bulk] [name=action]")) {
      showFields();
    }
  });

  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-gap-bulk]")) return;
    if (boxes().every(function (box) { return !box.checked; })) {
      event.preventDefault();
      const count = document.querySelector("[data-bulk-count]");
      if (count) count.textContent = "Select at least one gap first: nothing was changed.";
    }
  });

  function ready() { showFields(); refresh(); }
  document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("htmx:afterSwap", ready);
  document.addEventListener("cx:live-swapped", ready); // rows a change brought (static/js/livepages.js)
})();
