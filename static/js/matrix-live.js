// The matrix editor, live (docs/live.md), on top of matrix.js (window.cxMatrix) and live.js:
//   a change pushed by someone else ("cx:live") brings in the rows it can have altered and the
//   journey's figures, through the same pieces as the page's own saves; a structural change (a
//   stage, a new touchpoint, an import, a function) or a resync draws the whole table anew. The
//   reader's scroll, focus and the letters they typed and have not saved yet are kept;
//   presence ("cx:presence"): the avatars of who else has the journey open, a coloured outline on
//   the cell each is on, "typing" where they type; this page announces its own place.
(function () {
  "use strict";
  var cx = window.cxMatrix;
  if (!cx) return;
  var table = cx.table;
  var journeyId = parseInt(table.getAttribute("data-journey"), 10);
  var rowsUrl = table.getAttribute("data-live-rows-url");
  var wrap = table.closest(".matrix-wrap");
  var people = document.getElementById("live-people");
  var stateShown = document.getElementById("live-state");
  var page = "journey:" + journeyId;
  var present = [];
  // Kinds whose change stays inside rows already drawn: the rows are fetched. Any other change of
  // this journey (or of the whole organization's columns) draws the table anew.
  var ROW_KINDS = ["cells", "assignment.confirm", "touchpoint.update", "comment", "audit"];
  var WHOLE_ORGANIZATION = ["function.", "role.", "scenario.", "import", "rulesettings."];

  function keepingPlace(html) {
    var top = wrap ? wrap.scrollTop : 0, left = wrap ? wrap.scrollLeft : 0, y = window.scrollY;
    var stop = table.querySelector('[tabindex="0"]');
    var stopAt = stop && stop.matches("td.cell") ? [stop.closest("tr").getAttribute("data-touchpoint"), stop.getAttribute("data-function")] : null;
    cx.apply(html);
    if (stopAt && !table.querySelector('[tabindex="0"]')) cx.activate(cx.findCell(stopAt[0], stopAt[1]), false);
    if (wrap) { wrap.scrollTop = top; wrap.scrollLeft = left; }
    window.scrollTo(window.scrollX, y);
    paintPresence();
  }

  function rowsFetch(ids) {
    cx.after(function () {
      return fetch(rowsUrl + "?touchpoints=" + ids.join(","), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          if (!response.ok) return tableFetch();  // a touchpoint gone meanwhile: draw it all
          return response.text().then(keepingPlace);
        })
        .catch(function () {});
    });
  }

  function tableFetch() {
    return fetch(location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var newTable = fresh.getElementById("matrix");
        if (!newTable) { location.reload(); return; }
        var pieces = '<template data-swap="matrix-summary">' + fresh.getElementById("matrix-summary").outerHTML + "</template>";
        var top = wrap ? wrap.scrollTop : 0;
        table.innerHTML = newTable.innerHTML;
        if (wrap) wrap.scrollTop = top;
        cx.observeMore();
        keepingPlace(pieces);
      })
      .catch(function () {});
  }
  var tableSoon = null;
  function tableRefresh() {
    if (tableSoon) return;
    // Many changes in a burst (an import's job, a scenario) draw the table once.
    tableSoon = setTimeout(function () { tableSoon = null; cx.after(tableFetch); }, 150);
  }

  function concerned(msg) {
    if (msg.journey_ids.indexOf(journeyId) >= 0) return true;
    return !msg.journey_ids.length && WHOLE_ORGANIZATION.some(function (prefix) { return msg.kind.indexOf(prefix) === 0; });
  }
  document.addEventListener("cx:live", function (event) {
    var msg = event.detail;
    if (!concerned(msg)) return;
    var rowKind = ROW_KINDS.indexOf(msg.kind) >= 0 || msg.kind.indexOf("gap.") === 0;
    if (msg.partial || !rowKind || (msg.journey_ids.indexOf(journeyId) < 0)) return tableRefresh();
    rowsFetch(msg.touchpoint_ids);
  });
  document.addEventListener("cx:live-resync", tableRefresh);

  // Presence -------------------------------------------------------------------------------------
  function paintPresence() {
    table.querySelectorAll("td.cell[data-presence]").forEach(function (cell) {
      cell.removeAttribute("data-presence");
      cell.removeAttribute("data-presence-initials");
      cell.classList.remove("presence", "presence-typing");
      cell.style.removeProperty("--presence");
      cell.removeAttribute("title");
    });
    present.forEach(function (person) {
      if (!person.cell) return;
      var cell = cx.findCell(person.cell.touchpoint_id, person.cell.function_id);
      if (!cell) return;
      cell.setAttribute("data-presence", person.name);
      cell.setAttribute("data-presence-initials", person.initials);
      cell.classList.add("presence");
      if (person.typing) cell.classList.add("presence-typing");
      cell.style.setProperty("--presence", person.colour);
      cell.title = person.name + (person.typing ? " is typing here" : " is here");
    });
  }
  function avatars() {
    if (!people) return;
    people.textContent = "";
    people.hidden = !present.length;
    present.forEach(function (person) {
      var chip = document.createElement("span");
      chip.className = "live-person";
      chip.setAttribute("data-person", person.id);
      var avatar = document.createElement("span");
      avatar.className = "avatar";
      avatar.style.background = person.colour;
      avatar.setAttribute("aria-hidden", "true");
      avatar.textContent = person.initials;
      var name = document.createElement("span");
      name.className = "live-name";
      name.textContent = person.name + (person.typing ? " (typing)" : "");
      chip.appendChild(avatar);
      chip.appendChild(name);
      people.appendChild(chip);
    });
  }
  document.addEventListener("cx:presence", function (event) {
    if (event.detail.page !== page) return;
    present = event.detail.people;
    avatars();
    paintPresence();
  });
  cx.hooks.applied.push(paintPresence);

  document.addEventListener("cx:live-state", function (event) {
    if (!stateShown) return;
    var words = { live: "Live", reconnecting: "Reconnecting…", closed: "Not live: reload the page" };
    stateShown.setAttribute("data-state", event.detail.state);
    stateShown.textContent = words[event.detail.state] || "";
  });

  // Where this user is: the cell they are on, and whether they are typing in it.
  var here = null, typingUntil = 0, typingTimer = null;
  function announce() {
    if (!window.cxLive) return;
    var where = { page: page };
    if (here) where.cell = here;
    if (Date.now() < typingUntil) where.typing = true;
    window.cxLive.announce(where);
  }
  table.addEventListener("focusin", function (event) {
    var cell = event.target.closest && event.target.closest("td.cell");
    if (!cell) return;
    var tp = parseInt(cell.closest("tr").getAttribute("data-touchpoint"), 10), fn = parseInt(cell.getAttribute("data-function"), 10);
    if (here && here.touchpoint_id === tp && here.function_id === fn) return;
    here = { touchpoint_id: tp, function_id: fn };
    announce();
  });
  table.addEventListener("keydown", function (event) {
    if (!cx.editable || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!/^[racid]$/i.test(event.key) && event.key !== "Delete" && event.key !== "Backspace") return;
    var was = Date.now() < typingUntil;
    typingUntil = Date.now() + 2500;
    if (!was) announce();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(announce, 2600);
  });
  announce();
})();
