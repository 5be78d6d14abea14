// The matrix editor: a grid with ONE tab stop and a roving focus, driven by delegated handlers.
//   arrows/Home/End move (←  from the first cell reaches the touchpoint's name), R A C I toggle a
//   letter, Delete/Backspace clear, Enter or a click opens the letter dialog, Ctrl+Z undoes and
//   Ctrl+Shift+Z / Ctrl+Y redo the member's changes (the server keeps the stacks), Alt+↑/↓ moves
//   the touchpoint, F opens the fix panel of the row's first gap. Selections, copy, paste, fill
//   down live in matrix-sheet.js, through `hooks`.
// Every change is POSTed with the letters the page last saw (`expected`). The server answers
// with the affected rows and the summary, each in a <template data-swap="id">, and with 409
// and the current value when someone else changed the cell first: never a silent overwrite.
// Big journeys arrive in chunks: a `tr.rows-more` placeholder loads the next rows of its stage
// when it nears the screen (or on its button), and keyboard moves load what they need first.
(function () {
  "use strict";
  var LETTERS = ["R", "A", "C", "I"];
  var NAMES = { R: "Responsible", A: "Accountable", C: "Consulted", I: "Informed" };
  var table = document.getElementById("matrix");
  if (!table) return;
  var editable = table.hasAttribute("data-editable");
  var status = document.getElementById("matrix-status");
  var menu = document.getElementById("cell-menu");
  var wrap = table.closest(".matrix-wrap");
  var queue = Promise.resolve();
  // matrix-sheet.js adds its handlers here: keydown/click hooks return true when they took the event.
  var hooks = { keydown: [], click: [], applied: [] };

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function rows() {
    return Array.prototype.slice.call(table.querySelectorAll("tbody.stage:not(.collapsed) tr.tp-row"));
  }
  // The focusable stops of a row: its name (a link, for editors), then its cells.
  function stopsOf(row) { return Array.prototype.slice.call(row.querySelectorAll("a.tp-name, td.cell")); }
  function firstCellIndex(row) { return row.querySelector("a.tp-name") ? 1 : 0; }
  function position(stop) {
    var row = stop.closest("tr");
    return { row: rows().indexOf(row), col: stopsOf(row).indexOf(stop), tr: row };
  }
  function stopAt(r, c) {
    var all = rows();
    if (!all.length) return null;
    r = Math.max(0, Math.min(all.length - 1, r));
    var stops = stopsOf(all[r]);
    return stops[Math.max(0, Math.min(stops.length - 1, c))] || null;
  }
  function findCell(touchpointId, functionId) {
    var row = document.getElementById("tp-" + touchpointId);
    return row ? row.querySelector('td.cell[data-function="' + functionId + '"]') : null;
  }
  function functionName(cell) {
    var head = table.querySelector('th.fn-head[data-function="' + cell.getAttribute("data-function") + '"]');
    return head ? (head.getAttribute("title") || head.textContent).trim() : "";
  }
  // The letters a cell shows: the ones typed and not saved yet, else the saved ones.
  function shownLetters(cell) {
    var pending = cell.getAttribute("data-pending");
    return pending !== null ? pending : cell.getAttribute("data-letters") || "";
  }
  function describe(cell) {
    var letters = shownLetters(cell).split("").filter(Boolean);
    var said = letters.length ? letters.map(function (l) { return NAMES[l]; }).join(", ") : "empty";
    cell.setAttribute("aria-label", cell.closest("tr").getAttribute("data-name") + ", " + functionName(cell) + ": " + said);
  }
  function activate(stop, focus) {
    if (!stop) return;
    table.querySelectorAll('[tabindex="0"]').forEach(function (c) { c.setAttribute("tabindex", "-1"); });
    stop.setAttribute("tabindex", "0");
    if (stop.matches("td.cell")) describe(stop);
    if (focus) stop.focus({ preventScroll: false });
  }
  function say(message, level) {
    if (!status || !message) return;
    status.textContent = message;
    status.className = "matrix-status show " + (level === "error" ? "is-error" : "is-ok");
    clearTimeout(say.timer);
    if (level !== "error") say.timer = setTimeout(function () { status.className = "matrix-status"; }, 2500);
  }

  // Chunks ------------------------------------------------------------------------------------
  var loading = new Map();
  function loadMore(placeholder) {
    if (loading.has(placeholder)) return loading.get(placeholder);
    var button = placeholder.querySelector("[data-more]");
    if (button) button.textContent = "Loading…";
    var done = fetch(placeholder.getAttribute("data-src"), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var next = holder.content.querySelector("tr.rows-more");
        placeholder.replaceWith(holder.content);
        if (next && observer) observer.observe(next);
      })
      .catch(function () {
        if (button) button.textContent = "Could not load these touchpoints; try again";
        loading.delete(placeholder);
      });
    loading.set(placeholder, done);
    return done;
  }
  // Load every chunk, one after another (bounded: each round removes a placeholder or stops).
  function loadAll() {
    var pending = table.querySelector("tbody.stage:not(.collapsed) tr.rows-more");
    if (!pending) return Promise.resolve();
    return loadMore(pending).then(function () {
      return table.contains(pending) ? undefined : loadAll();
    });
  }
  var observer = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && !entry.target.closest("tbody.collapsed")) {
          observer.unobserve(entry.target);
          loadMore(entry.target);
        }
      });
    }, { root: wrap, rootMargin: "600px 0px" })
    : null;
  if (observer) table.querySelectorAll("tr.rows-more").forEach(function (tr) { observer.observe(tr); });

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
    if (menu && !menu.hidden && menu.cell) {
      var open = findCell(menu.cell.tp, menu.cell.fn);
      if (open) placeMenu(open); else hideMenu(false);
    }
    repaintPending();
    hooks.applied.forEach(function (hook) { hook(); });
  }

  function post(url, data, json) {
    var headers = { "X-CSRFToken": csrfToken(), "HX-Request": "true" };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: "POST",
      body: json ? JSON.stringify(data) : new URLSearchParams(data),
      credentials: "same-origin",
      headers: headers,
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.status === 200 || response.status === 409) apply(text);
        else say(text || "The change could not be saved (" + response.status + ").", "error");
        return response.status;
      });
    }).catch(function () { say("The server could not be reached; the change was not saved.", "error"); return 0; });
  }

  // Optimistic letters: a typed letter shows at once (dashed, `pending`), while the changes run
  // one after another, each computed from the saved letters when its turn comes, so the server
  // sees exactly the steps that were typed. The server's rows replace the pending look; a refusal
  // (409: someone else changed the cell) shows its letters and says who, and drops the steps
  // still queued for that cell, which were typed on top of what the page wrongly believed.
  var pending = {};  // "tp:fn" → {letters, steps}
  var refusals = {};  // "tp:fn" → how many refusals the cell has had on this page
  function paintLetters(cell, letters) {
    cell.textContent = "";
    letters.split("").forEach(function (letter) {
      var mark = document.createElement("span");
      mark.className = "l l-" + letter;
      mark.textContent = letter;
      cell.appendChild(mark);
    });
  }
  function showPending(cell, letters) {
    cell.setAttribute("data-pending", letters);
    cell.classList.add("pending");
    paintLetters(cell, letters);
    if (cell.getAttribute("tabindex") === "0") describe(cell);
  }
  // After the server's rows came in: the steps not answered yet stay visible.
  function repaintPending() {
    Object.keys(pending).forEach(function (key) {
      var id = key.split(":"), cell = findCell(id[0], id[1]);
      if (cell && !cell.hasAttribute("data-pending")) showPending(cell, pending[key].letters);
    });
  }
  function settle(key, refused) {
    var entry = pending[key];
    if (!entry) return;
    entry.steps -= 1;
    if (entry.steps > 0 && !refused) return;
    delete pending[key];
    var id = key.split(":"), cell = findCell(id[0], id[1]);
    if (!cell) return;
    cell.removeAttribute("data-pending");
    cell.classList.remove("pending");
    paintLetters(cell, cell.getAttribute("data-letters") || "");
    if (refused) {
      cell.classList.add("refused");
      if (cell.getAttribute("tabindex") === "0") describe(cell);
    }
  }
  function change(touchpointId, functionId, compute) {
    var key = touchpointId + ":" + functionId, cell = findCell(touchpointId, functionId);
    if (!cell) return queue;
    var shown = shownLetters(cell), wanted = compute(shown);
    if (wanted === shown) return queue;
    pending[key] = { letters: wanted, steps: (pending[key] ? pending[key].steps : 0) + 1 };
    showPending(cell, wanted);
    if (menu && !menu.hidden && menu.cell && menu.cell.tp + ":" + menu.cell.fn === key) pressLetters(wanted);
    var round = refusals[key] || 0;
    queue = queue.then(function () {
      var now = findCell(touchpointId, functionId);
      if (!now || (refusals[key] || 0) !== round) return settle(key, true);
      var before = now.getAttribute("data-letters") || "";
      var after = compute(before);
      if (after === before) return settle(key, false);
      return post(table.getAttribute("data-cell-url"), {
        touchpoint: touchpointId, function: functionId, expected: before, letters: after,
      }).then(function (status) {
        var refused = status !== 200;
        if (refused) refusals[key] = (refusals[key] || 0) + 1;
        settle(key, refused);
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
  function redo() {
    queue = queue.then(function () { return post(table.getAttribute("data-redo-url"), {}); });
  }
  // Many cells in one request (matrix-sheet.js): `build` runs when its turn in the queue comes,
  // so it reads the letters the page shows after the changes before it.
  function batch(build) {
    queue = queue.then(function () {
      var body = build();
      if (!body) return;
      return post(table.getAttribute("data-batch-url"), body, true);
    });
    return queue;
  }

  // Row actions (move, confirm the owner) share one form: no form per row.
  function rowAction(row, path, direction) {
    var form = document.getElementById("row-action");
    var link = row && row.querySelector("a.tp-name");
    if (!form || !link) return;
    form.action = link.getAttribute("href") + path;
    form.elements.direction.value = direction || "";
    form.submit();
  }

  // The letter dialog: modal, takes the focus, Escape (or Close) gives it back to the cell.
  function pressLetters(letters) {
    menu.querySelectorAll("[data-letter]").forEach(function (b) {
      b.setAttribute("aria-pressed", letters.indexOf(b.getAttribute("data-letter")) >= 0 ? "true" : "false");
    });
  }
  function placeMenu(cell) {
    pressLetters(shownLetters(cell));
    var title = document.getElementById("cell-menu-title");
    if (title) title.textContent = cell.closest("tr").getAttribute("data-name") + " · " + functionName(cell);
    var box = cell.getBoundingClientRect();
    var top = window.scrollY + box.bottom + 4, left = window.scrollX + box.left + box.width / 2 - menu.offsetWidth / 2;
    left = Math.max(8, Math.min(left, window.scrollX + document.documentElement.clientWidth - menu.offsetWidth - 8));
    menu.style.top = top + "px";
    menu.style.left = left + "px";
  }
  function showMenu(cell) {
    if (!menu) return;
    var id = ids(cell);
    menu.cell = { tp: id[0], fn: id[1] };
    menu.hidden = false;
    placeMenu(cell);
    var pressed = menu.querySelector('[aria-pressed="true"]') || menu.querySelector("button");
    pressed.focus();
  }
  function hideMenu(returnFocus) {
    if (!menu || menu.hidden) return;
    var back = menu.cell && findCell(menu.cell.tp, menu.cell.fn);
    menu.hidden = true;
    menu.cell = null;
    if (returnFocus && back) activate(back, true);
  }

  table.addEventListener("click", function (event) {
    if (hooks.click.some(function (hook) { return hook(event); })) return;
    var move = event.target.closest("[data-move]");
    if (move) { rowAction(move.closest("tr"), "move/", move.getAttribute("data-move")); return; }
    if (event.target.closest("[data-confirm-owner]")) { rowAction(event.target.closest("tr"), "confirm/"); return; }
    var more = event.target.closest("[data-more]");
    if (more) { loadMore(more.closest("tr")); return; }
    var toggler = event.target.closest("[data-toggle-stage]");
    if (toggler) { collapse(toggler.closest("tbody"), toggler.getAttribute("aria-expanded") === "true"); return; }
    var cell = event.target.closest("td.cell");
    if (!cell) return;
    activate(cell, true);
    if (editable) showMenu(cell);
  });
  table.addEventListener("focusin", function (event) {
    var stop = event.target.closest("td.cell, a.tp-name");
    if (stop) activate(stop, false);
  });
  if (menu) {
    menu.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !menu.cell) return;
      if (button.hasAttribute("data-close")) { hideMenu(true); return; }
      change(menu.cell.tp, menu.cell.fn, button.hasAttribute("data-clear") ? clear : toggle(button.getAttribute("data-letter")));
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); hideMenu(true); return; }
      if (event.key === "Tab") {  // keep the focus inside the dialog while it is open
        var buttons = Array.prototype.slice.call(menu.querySelectorAll("button"));
        var at = buttons.indexOf(document.activeElement);
        var next = event.shiftKey ? (at <= 0 ? buttons.length - 1 : at - 1) : (at + 1) % buttons.length;
        event.preventDefault();
        buttons[next].focus();
        return;
      }
      var letter = event.key.toUpperCase(), bare = !event.ctrlKey && !event.metaKey && !event.altKey;
      if (LETTERS.indexOf(letter) >= 0 && bare && menu.cell) {
        event.preventDefault();
        change(menu.cell.tp, menu.cell.fn, toggle(letter));
      } else if ((event.key === "Delete" || event.key === "Backspace") && bare && menu.cell) {
        event.preventDefault();
        change(menu.cell.tp, menu.cell.fn, clear);
      } else if (/^Arrow(Up|Down)$/.test(event.key) || (event.ctrlKey && /^[dD]$/.test(event.key))) {
        // The grid's own keys: back to the cell, which takes them.
        event.preventDefault();
        hideMenu(true);
        redispatch(event, document.activeElement);
      }
    });
    document.addEventListener("click", function (event) {
      if (!menu.hidden && !menu.contains(event.target) && !event.target.closest("td.cell")) hideMenu(false);
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-undo]")) undo();
    if (event.target.closest("[data-redo]")) redo();
    var all = event.target.closest("[data-stages]");
    if (all) {
      var shut = all.getAttribute("data-stages") === "collapse";
      table.querySelectorAll("tbody.stage").forEach(function (body) { collapse(body, shut); });
    }
  });

  function collapse(body, shut) {
    body.classList.toggle("collapsed", shut);
    var button = body.querySelector("[data-toggle-stage]");
    if (button) button.setAttribute("aria-expanded", shut ? "false" : "true");
    if (!shut && observer) body.querySelectorAll("tr.rows-more").forEach(function (tr) { observer.observe(tr); });
  }

  // Moving down into rows not loaded yet loads them first.
  function moveTo(row, col, from) {
    var all = rows();
    if (from && row > all.indexOf(from) && from.nextElementSibling && from.nextElementSibling.matches("tr.rows-more")) {
      return loadMore(from.nextElementSibling).then(function () { activate(stopAt(rows().indexOf(from) + 1, col), true); });
    }
    activate(stopAt(row, col), true);
    return Promise.resolve();
  }

  table.addEventListener("keydown", function (event) {
    var stop = event.target.closest("td.cell, a.tp-name");
    if (!stop) return;
    if (hooks.keydown.some(function (hook) { return hook(event, stop); })) return;
    var at = position(stop), key = event.key;
    if (event.altKey && (key === "ArrowUp" || key === "ArrowDown")) {
      if (editable) { event.preventDefault(); rowAction(at.tr, "move/", key === "ArrowUp" ? "up" : "down"); }
      return;
    }
    var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[key]) {
      event.preventDefault();
      hideMenu(false);
      moveTo(at.row + moves[key][0], at.col + moves[key][1], at.tr);
      return;
    }
    if (key === "Home" || key === "End") {
      event.preventDefault();
      var col = key === "Home" ? firstCellIndex(at.tr) : 1e6;
      if (event.ctrlKey && key === "End") {
        loadAll().then(function () { activate(stopAt(rows().length - 1, col), true); });
      } else {
        activate(stopAt(event.ctrlKey ? 0 : at.row, col), true);
      }
      return;
    }
    if (!stop.matches("td.cell")) return;  // on the name, Enter follows the link
    if (key === "Escape") { hideMenu(false); return; }
    if (!editable || event.altKey || event.metaKey) return;
    if (event.ctrlKey) {
      if ((key === "z" || key === "Z") && event.shiftKey) { event.preventDefault(); redo(); }
      else if (key === "z" || key === "Z") { event.preventDefault(); undo(); }
      else if (key === "y" || key === "Y") { event.preventDefault(); redo(); }
      return;
    }
    var id = ids(stop), letter = key.toUpperCase();
    if (letter === "F") {  // the row's first gap badge opens its fix panel
      var badge = at.tr.querySelector("[data-fix-open]");
      if (badge) { event.preventDefault(); badge.click(); }
      return;
    }
    if (LETTERS.indexOf(letter) >= 0) { event.preventDefault(); change(id[0], id[1], toggle(letter)); }
    else if (key === "Delete" || key === "Backspace") { event.preventDefault(); change(id[0], id[1], clear); }
    else if (key === "Enter" || key === " ") { event.preventDefault(); showMenu(stop); }
  });

  // Every shortcut works wherever the focus is: undo and redo from any control but a text field
  // (the letter dialog, the Undo button, the page itself); the grid's keys from the page itself
  // or the sheet's frame go to the cell the grid was on.
  function redispatch(event, target) {
    if (!target) return false;
    var copy = new KeyboardEvent("keydown", {
      key: event.key, code: event.code, shiftKey: event.shiftKey, ctrlKey: event.ctrlKey,
      altKey: event.altKey, metaKey: event.metaKey, bubbles: true, cancelable: true,
    });
    target.dispatchEvent(copy);
    return copy.defaultPrevented;
  }
  function typingIn(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.defaultPrevented || typingIn(target) || (target.closest && target.closest("#matrix td.cell"))) return;
    var key = event.key;
    if (editable && event.ctrlKey && !event.altKey && !event.metaKey && /^[zZyY]$/.test(key)) {
      event.preventDefault();
      if (/^[yY]$/.test(key) || event.shiftKey) redo(); else undo();
      return;
    }
    var onPage = target === document.body || target === document.documentElement || target === wrap;
    if (!onPage || event.altKey || event.metaKey) return;
    if (/^(Arrow\w+|Home|End|Enter|Delete|Backspace|[rRaAcCiIfF])$/.test(key) || (event.ctrlKey && /^[dD]$/.test(key))) {
      var stop = table.querySelector('td.cell[tabindex="0"], a.tp-name[tabindex="0"]');
      if (!stop) return;
      stop.focus({ preventScroll: true });
      if (redispatch(event, stop)) event.preventDefault();
    }
  });

  // A fix applied in the fix panel (static/js/fixpanel.js) answers with the rows it changed.
  document.addEventListener("cx:matrix-swap", function (event) { apply(event.detail.html); });

  // The filter applies as soon as a box is ticked; the search on Enter.
  var filter = document.querySelector("form[data-autosubmit]");
  if (filter) filter.addEventListener("change", function (event) {
    if (event.target.type === "checkbox") filter.submit();
  });

  // The first cell is the grid's one tab stop; a link to a row (#tp-…) starts there, loading
  // the chunks before it when it is further down than the first screenful.
  function start() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.matches("tr.tp-row")) {
      target.classList.add("target");
      activate(target.querySelector("td.cell"), false);
      target.scrollIntoView({ block: "center" });
      return;
    }
    activate(table.querySelector("td.cell"), false);
    if (/^#tp-\d+$/.test(location.hash) && table.querySelector("tr.rows-more")) {
      var rounds = table.querySelectorAll("tr.rows-more").length * 20;
      (function next() {
        var pending = table.querySelector("tr.rows-more");
        if (!pending || rounds-- <= 0 || document.getElementById(location.hash.slice(1))) return start.found();
        loadMore(pending).then(next);
      })();
    }
  }
  start.found = function () {
    var target = document.getElementById(location.hash.slice(1));
    if (target) { target.classList.add("target"); activate(target.querySelector("td.cell"), false); target.scrollIntoView({ block: "center" }); }
  };
  // The sheet fills the screen below the page's head: the page does not scroll, the sheet does
  // (on a short screen it keeps a useful height and the page scrolls to it).
  function fit() {
    if (!wrap) return;
    var top = wrap.getBoundingClientRect().top + window.scrollY;
    var bottom = document.body.getBoundingClientRect().bottom + window.scrollY;  // the content's end
    var below = bottom - (top + wrap.offsetHeight);
    var room = window.innerHeight - top - Math.max(0, below);
    wrap.style.maxHeight = Math.max(Math.min(440, window.innerHeight * 0.6), Math.floor(room)) + "px";
  }
  fit();
  window.addEventListener("resize", fit);
  start();
  window.cxMatrix = {
    table: table, editable: editable, hooks: hooks, rows: rows, findCell: findCell, activate: activate,
    say: say, batch: batch, loadAll: loadAll, functionName: functionName, hideMenu: function () { hideMenu(false); },
    // For matrix-live.js: put pieces fetched for a change made elsewhere in place as the page's
    // own answers are, watch the "more rows" placeholders of a table drawn anew, and tell which
    // cells hold letters typed here and not saved yet.
    apply: apply,
    // Runs `step` (returning a promise) after the page's own saves still under way, and holds the
    // next ones until it is done: rows fetched for another's change never predate our own.
    after: function (step) { queue = queue.then(step, step); return queue; },
    observeMore: function () { if (observer) table.querySelectorAll("tr.rows-more").forEach(function (tr) { observer.observe(tr); }); },
    pendingKeys: function () { return Object.keys(pending); },
  };
})();
