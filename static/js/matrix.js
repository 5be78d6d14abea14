// The matrix editor: a grid of cells with a roving tabindex.
//   arrows/Home/End move, R A C I toggle a letter, Delete/Backspace clear, Enter or a click opens
//   the letter menu, Ctrl+Z undoes the last change.
// Every change is POSTed with the letters the page last saw (`expected`). The server answers
// with the affected rows and the summary, each in a <template data-swap="id">, and with 409
// and the current value when someone else changed the cell first: never a silent overwrite.
(function () {
  "use strict";
  var LETTERS = ["R", "A", "C", "I"];
  var table = document.getElementById("matrix");
  if (!table) return;
  var editable = table.hasAttribute("data-editable");
  var status = document.getElementById("matrix-status");
  var menu = document.getElementById("cell-menu");
  var queue = Promise.resolve();

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function rows() { return Array.prototype.slice.call(table.querySelectorAll("tr.tp-row")); }
  function cellsOf(row) { return Array.prototype.slice.call(row.querySelectorAll("td.cell")); }
  function position(cell) {
    var row = cell.closest("tr");
    return { row: rows().indexOf(row), col: cellsOf(row).indexOf(cell) };
  }
  function cellAt(r, c) {
    var all = rows();
    if (!all.length) return null;
    r = Math.max(0, Math.min(all.length - 1, r));
    var cells = cellsOf(all[r]);
    return cells[Math.max(0, Math.min(cells.length - 1, c))] || null;
  }
  function findCell(touchpointId, functionId) {
    var row = document.getElementById("tp-" + touchpointId);
    return row ? row.querySelector('td.cell[data-function="' + functionId + '"]') : null;
  }
  function activate(cell, focus) {
    if (!cell) return;
    table.querySelectorAll('td.cell[tabindex="0"]').forEach(function (c) { c.setAttribute("tabindex", "-1"); });
    cell.setAttribute("tabindex", "0");
    if (focus) cell.focus({ preventScroll: false });
  }
  function say(message, level) {
    if (!status || !message) return;
    status.textContent = message;
    status.className = "matrix-status show " + (level === "error" ? "is-error" : "is-ok");
    clearTimeout(say.timer);
    if (level !== "error") say.timer = setTimeout(function () { status.className = "matrix-status"; }, 2500);
  }

  // Put the server's pieces in place and keep the focus where the user was.
  function apply(html) {
    var focused = document.activeElement;
    var keep = focused && focused.matches && focused.matches("td.cell")
      ? { tp: focused.closest("tr").getAttribute("data-touchpoint"), fn: focused.getAttribute("data-function") }
      : null;
    var holder = document.createElement("template");
    holder.innerHTML = html;
    holder.content.querySelectorAll("template[data-swap]").forEach(function (piece) {
      var target = document.getElementById(piece.getAttribute("data-swap"));
      if (target) target.replaceWith(piece.content.cloneNode(true));
    });
    var note = holder.content.querySelector("template[data-message]");
    if (note) say(note.content.textContent.trim(), note.getAttribute("data-message"));
    if (keep) {
      var again = findCell(keep.tp, keep.fn);
      if (again) activate(again, true);
    }
    if (!menu.hidden && menu.cell) {
      var open = findCell(menu.cell.tp, menu.cell.fn);
      if (open) showMenu(open); else hideMenu();
    }
  }

  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.status === 200 || response.status === 409) apply(text);
        else say(text || "The change could not be saved (" + response.status + ").", "error");
      });
    }).catch(function () { say("The server could not be reached; the change was not saved.", "error"); });
  }

  // Changes run one after another, each computed from the letters the cell shows when its turn comes.
  function change(touchpointId, functionId, compute) {
    queue = queue.then(function () {
      var cell = findCell(touchpointId, functionId);
      if (!cell) return;
      var before = cell.getAttribute("data-letters") || "";
      var after = compute(before);
      if (after === before) return;
      cell.classList.add("saving");
      return post(table.getAttribute("data-cell-url"), {
        touchpoint: touchpointId, function: functionId, expected: before, letters: after,
      });
    });
    return queue;
  }
  function toggle(letter) {
    return function (letters) {
      var set = letters.split("").filter(Boolean);
      var at = set.indexOf(letter);
      if (at >= 0) set.splice(at, 1); else set.push(letter);
      return LETTERS.filter(function (l) { return set.indexOf(l) >= 0; }).join("");
    };
  }
  function clear() { return ""; }
  function ids(cell) { return [cell.closest("tr").getAttribute("data-touchpoint"), cell.getAttribute("data-function")]; }

  function undo() {
    queue = queue.then(function () { return post(table.getAttribute("data-undo-url"), {}); });
  }

  function showMenu(cell) {
    var id = ids(cell);
    menu.cell = { tp: id[0], fn: id[1] };
    var letters = cell.getAttribute("data-letters") || "";
    menu.querySelectorAll("[data-letter]").forEach(function (b) {
      b.setAttribute("aria-pressed", letters.indexOf(b.getAttribute("data-letter")) >= 0 ? "true" : "false");
    });
    var box = cell.getBoundingClientRect();
    menu.hidden = false;
    var top = window.scrollY + box.bottom + 4, left = window.scrollX + box.left + box.width / 2 - menu.offsetWidth / 2;
    left = Math.max(8, Math.min(left, window.scrollX + document.documentElement.clientWidth - menu.offsetWidth - 8));
    menu.style.top = top + "px";
    menu.style.left = left + "px";
  }
  function hideMenu() { menu.hidden = true; menu.cell = null; }

  table.addEventListener("click", function (event) {
    var cell = event.target.closest("td.cell");
    if (!cell) return;
    activate(cell, true);
    if (editable) showMenu(cell);
  });
  table.addEventListener("focusin", function (event) {
    var cell = event.target.closest("td.cell");
    if (cell) activate(cell, false);
  });
  if (menu) {
    menu.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !menu.cell) return;
      var tp = menu.cell.tp, fn = menu.cell.fn;
      change(tp, fn, button.hasAttribute("data-clear") ? clear : toggle(button.getAttribute("data-letter")));
      var cell = findCell(tp, fn);
      if (cell) cell.focus();
    });
    document.addEventListener("click", function (event) {
      if (!menu.hidden && !menu.contains(event.target) && !event.target.closest("td.cell")) hideMenu();
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-undo]")) undo();
  });

  table.addEventListener("keydown", function (event) {
    var cell = event.target.closest("td.cell");
    if (!cell) return;
    var at = position(cell), key = event.key;
    var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[key]) {
      event.preventDefault();
      hideMenu();
      activate(cellAt(at.row + moves[key][0], at.col + moves[key][1]), true);
      return;
    }
    if (key === "Home" || key === "End") {
      event.preventDefault();
      activate(cellAt(event.ctrlKey ? (key === "Home" ? 0 : rows().length - 1) : at.row, key === "Home" ? 0 : 1e6), true);
      return;
    }
    if (key === "Escape") { hideMenu(); return; }
    if (!editable || event.altKey || event.metaKey) return;
    if (event.ctrlKey) {
      if (key === "z" || key === "Z") { event.preventDefault(); undo(); }
      return;
    }
    var id = ids(cell), letter = key.toUpperCase();
    if (LETTERS.indexOf(letter) >= 0) { event.preventDefault(); change(id[0], id[1], toggle(letter)); }
    else if (key === "Delete" || key === "Backspace") { event.preventDefault(); change(id[0], id[1], clear); }
    else if (key === "Enter" || key === " ") { event.preventDefault(); showMenu(cell); }
  });

  // The first cell is the grid's one tab stop; a link to a row (#tp-…) starts there.
  var start = location.hash && document.getElementById(location.hash.slice(1));
  if (start && start.matches("tr.tp-row")) {
    start.classList.add("target");
    activate(start.querySelector("td.cell"), false);
  } else {
    activate(table.querySelector("td.cell"), false);
  }
})();
