// Spreadsheet editing in the matrix editor, on top of matrix.js (window.cxMatrix):
//   Shift+arrows, Shift+click or a drag across cells select a rectangle of cells from the
//   focused one (the anchor);
//   Ctrl+C copies it as tab-separated text (letters as "R/A", what Excel and Sheets paste back);
//   Ctrl+V pastes a block copied from Excel, Google Sheets or this page at the selection's top-left
//   corner (one value pasted into a larger selection fills it); Ctrl+D fills each column of the
//   selection down from its top row; Delete clears the selection; Escape selects one cell again.
// Every change of many cells is ONE request to the batch endpoint and one change set, all or
// nothing: each cell carries the letters the page shows (`expected`), and the server refuses the
// whole batch if someone changed one of them since. The server reads the letters ("A/R", "a, r",
// "Accountable") with the importer's reader: this file does not parse letters at all.
(function () {
  "use strict";
  var cx = window.cxMatrix;
  if (!cx) return;
  var table = cx.table;
  var anchor = null;  // {tp, fn}: where the selection started
  var extending = false;  // true while the sheet itself moves the focus
  var lastFocus = null;  // {tp, fn} of the cell focused last: a row swapped in after a save
                         // gives the same cell the focus again, which keeps the selection

  function ids(cell) { return { tp: cell.closest("tr").getAttribute("data-touchpoint"), fn: cell.getAttribute("data-function") }; }
  function cellsOf(row) { return Array.prototype.slice.call(row.querySelectorAll("td.cell")); }
  // Row and column (among cells) of a cell in the rows on the page now.
  function place(cell) {
    var row = cell.closest("tr");
    return { r: cx.rows().indexOf(row), c: cellsOf(row).indexOf(cell) };
  }
  function focused() {
    var active = document.activeElement;
    return active && active.matches && active.matches("td.cell") && table.contains(active) ? active : null;
  }
  // Copy and paste from the page itself or the letter dialog act on the cell the grid was on.
  function cellForClipboard() {
    var cell = focused();
    if (cell) return cell;
    var active = document.activeElement;
    if (active !== document.body && !(active && active.closest && active.closest("#cell-menu"))) return null;
    cell = table.querySelector('td.cell[tabindex="0"]');
    if (cell) { cx.hideMenu(); cell.focus({ preventScroll: true }); }
    return cell;
  }
  function anchorCell() { return anchor && cx.findCell(anchor.tp, anchor.fn); }

  // The selected rectangle: rows and columns, inclusive, or null when the anchor is gone.
  function rectangle() {
    var end = focused() || (anchor && anchorCell());
    if (!end) return null;
    var start = anchorCell() || end;
    var a = place(start), b = place(end);
    if (a.r < 0 || b.r < 0) return null;
    return { top: Math.min(a.r, b.r), bottom: Math.max(a.r, b.r), left: Math.min(a.c, b.c), right: Math.max(a.c, b.c) };
  }
  function grid(rect) {
    var all = cx.rows();
    var lines = [];
    for (var r = rect.top; r <= rect.bottom; r++) lines.push(cellsOf(all[r]).slice(rect.left, rect.right + 1));
    return lines;
  }
  function paint() {
    table.querySelectorAll("td.cell.sel").forEach(function (cell) { cell.classList.remove("sel"); cell.removeAttribute("aria-selected"); });
    var rect = rectangle();
    if (!rect || (rect.top === rect.bottom && rect.left === rect.right)) return;
    grid(rect).forEach(function (line) {
      line.forEach(function (cell) { cell.classList.add("sel"); cell.setAttribute("aria-selected", "true"); });
    });
  }
  function size(rect) { return (rect.bottom - rect.top + 1) + " × " + (rect.right - rect.left + 1); }

  function extendTo(cell) {
    if (!cell) return;
    if (!anchor) anchor = ids(focused() || cell);
    extending = true;
    cx.activate(cell, true);
    extending = false;
    paint();
    var rect = rectangle();
    if (rect) cx.say(size(rect) + " cells selected. Ctrl+C copies, Ctrl+V pastes, Ctrl+D fills down, Delete clears.", "ok");
  }
  function collapse(cell) {
    anchor = cell ? ids(cell) : null;
    paint();
  }

  // A plain move or click starts a new selection at the cell reached.
  table.addEventListener("focusin", function (event) {
    var cell = event.target.closest("td.cell");
    if (!cell) return;
    var id = ids(cell), same = lastFocus && lastFocus.tp === id.tp && lastFocus.fn === id.fn;
    lastFocus = id;
    if (!extending && !same) collapse(cell);
  });
  cx.hooks.applied.push(paint);

  // Shift+click extends the selection, and a drag across cells selects the block it covers: the
  // mousedown must not move the focus (or select the page's text); the sheet moves it itself.
  var drag = null;  // {from: cell, moved: bool} while the button is down
  table.addEventListener("mousedown", function (event) {
    var cell = event.target.closest("td.cell");
    if (!cell || event.button !== 0) return;
    event.preventDefault();
    if (event.shiftKey) return;
    drag = { from: cell, moved: false };
    cx.activate(cell, true);
  });
  table.addEventListener("mouseover", function (event) {
    if (!drag) return;
    var cell = event.target.closest("td.cell");
    if (!cell || (!drag.moved && cell === drag.from)) return;
    if (!(event.buttons & 1)) { drag = null; return; }
    if (!drag.moved) { drag.moved = true; anchor = ids(drag.from); cx.hideMenu(); }
    extendTo(cell);
  });
  document.addEventListener("mouseup", function () {
    if (drag && drag.moved) {
      swallowClick = true;
      setTimeout(function () { swallowClick = false; }, 0);  // no click came (released outside)
    }
    drag = null;
  });
  var swallowClick = false;  // the click that ends a drag does not open the letter dialog
  cx.hooks.click.push(function (event) {
    var cell = event.target.closest("td.cell");
    if (swallowClick) { swallowClick = false; if (cell || event.target.closest("tr.tp-row")) return true; }
    if (!cell) return false;
    if (!event.shiftKey) { collapse(cell); return false; }
    event.preventDefault();
    extendTo(cell);
    return true;
  });

  var STEPS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  cx.hooks.keydown.push(function (event, stop) {
    if (!stop.matches("td.cell")) return false;
    var key = event.key;
    if (event.shiftKey && STEPS[key] && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      var at = place(stop), all = cx.rows();
      var r = Math.max(0, Math.min(all.length - 1, at.r + STEPS[key][0]));
      var line = cellsOf(all[r]);
      extendTo(line[Math.max(0, Math.min(line.length - 1, at.c + STEPS[key][1]))]);
      return true;
    }
    if (key === "Escape" && anchor) { collapse(stop); return false; }
    if (!cx.editable || event.altKey || event.metaKey) return false;
    var rect = rectangle();
    var many = rect && (rect.top !== rect.bottom || rect.left !== rect.right);
    if (event.ctrlKey && (key === "d" || key === "D")) {
      event.preventDefault();
      fillDown();
      return true;
    }
    if (many && !event.ctrlKey && (key === "Delete" || key === "Backspace")) {
      event.preventDefault();
      clearSelection();
      return true;
    }
    return false;
  });

  function cellChange(cell, letters) {
    var id = ids(cell);
    return { touchpoint: id.tp, function: id.fn, letters: letters, expected: cell.getAttribute("data-letters") || "" };
  }
  function send(action, build) {
    return cx.batch(function () {
      var cells = build();
      if (!cells) return null;
      if (!cells.length) { cx.say("Nothing to change.", "ok"); return null; }
      cells.forEach(function (change) {
        var cell = cx.findCell(change.touchpoint, change.function);
        if (cell) cell.classList.add("saving");
      });
      return { action: action, cells: cells };
    });
  }

  function fillDown() {
    send("fill", function () {
      var rect = rectangle();
      if (!rect || rect.top === rect.bottom) { cx.say("Select two rows or more (Shift+↓) to fill down.", "error"); return null; }
      var lines = grid(rect), changes = [];
      lines.slice(1).forEach(function (line) {
        line.forEach(function (cell, c) {
          var letters = lines[0][c].getAttribute("data-letters") || "";
          if (letters !== (cell.getAttribute("data-letters") || "")) changes.push(cellChange(cell, letters));
        });
      });
      return changes;
    });
  }

  function clearSelection() {
    send("clear", function () {
      var rect = rectangle();
      if (!rect) return null;
      var changes = [];
      grid(rect).forEach(function (line) {
        line.forEach(function (cell) { if (cell.getAttribute("data-letters")) changes.push(cellChange(cell, "")); });
      });
      return changes;
    });
  }

  // Letters as a spreadsheet shows them: "R/A", the way the matrix file writes them.
  function shown(letters) { return letters.split("").join("/"); }

  document.addEventListener("copy", function (event) {
    if (!cellForClipboard() || !event.clipboardData) return;
    var rect = rectangle();
    if (!rect) return;
    var text = grid(rect).map(function (line) {
      return line.map(function (cell) { return shown(cell.getAttribute("data-letters") || ""); }).join("\t");
    }).join("\r\n");
    event.clipboardData.setData("text/plain", text);
    event.preventDefault();
    cx.say("Copied " + size(rect) + " cells.", "ok");
  });

  // Tab-separated rows, as Excel and Google Sheets put them on the clipboard; a value in quotes
  // (Excel quotes cells holding a tab or line break) loses its quotes.
  function readBlock(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return lines.map(function (line) {
      return line.split("\t").map(function (value) {
        var quoted = /^"([\s\S]*)"$/.exec(value);
        return quoted ? quoted[1].replace(/""/g, '"') : value;
      });
    });
  }

  document.addEventListener("paste", function (event) {
    if (!cx.editable || !event.clipboardData || !cellForClipboard()) return;
    var text = event.clipboardData.getData("text/plain");
    event.preventDefault();
    if (!text) { cx.say("The clipboard holds no text to paste.", "error"); return; }
    paste(readBlock(text));
  });

  function paste(block) {
    var rect = rectangle();
    if (!rect) return;
    var height = block.length, width = Math.max.apply(null, block.map(function (line) { return line.length; }));
    var single = height === 1 && width === 1;
    // One value into a bigger selection fills it; otherwise the block starts at the top-left.
    var rowsNeeded = single ? rect.bottom - rect.top + 1 : height;
    var ready = cx.rows().length - rect.top >= rowsNeeded ? Promise.resolve() : cx.loadAll();
    ready.then(function () {
      send("paste", function () {
        var all = cx.rows();
        var firstRow = all.length ? cellsOf(all[rect.top]) : [];
        if (!single && (rect.top + height > all.length || rect.left + width > firstRow.length)) {
          cx.say("Nothing pasted: the block of " + height + " × " + width + " cells does not fit below and right of the " +
            "selected cell (" + (all.length - rect.top) + " rows and " + (firstRow.length - rect.left) + " columns are left).", "error");
          return null;
        }
        var changes = [];
        var rows = single ? rect.bottom - rect.top + 1 : height, cols = single ? rect.right - rect.left + 1 : width;
        for (var r = 0; r < rows; r++) {
          var line = cellsOf(all[rect.top + r]);
          for (var c = 0; c < cols; c++) {
            var value = single ? block[0][0] : (block[r][c] === undefined ? "" : block[r][c]);
            changes.push(cellChange(line[rect.left + c], value.trim()));
          }
        }
        // The pasted block stays selected, as in a spreadsheet.
        anchor = ids(cellsOf(all[rect.top])[rect.left]);
        var end = cellsOf(all[rect.top + rows - 1])[rect.left + cols - 1];
        extending = true;
        cx.activate(end, true);
        extending = false;
        paint();
        return changes;
      });
    });
  }
})();
