// The pages that follow the live gap state without a reload: the dashboard, the journeys
// portfolio, the gaps list and a gap's page. The live connection (live.js) fires "cx:live" on the
// document after every change; each part of a page marked data-live-part decides whether the
// change concerns it, then fetches its fragment (data-live-url, with the page's own query: the
// same filters, sort, period) and puts in only what changed, keyed by data-live-key:
//
// - an element whose HTML is the same is left alone, so nothing moves that did not change;
// - one that holds the keyboard focus or a field the reader has typed in is left as it is until
//   the focus leaves (then it is fetched again): nobody loses their place or their words;
// - checkboxes, open <details> and inner scroll positions are carried into the new element;
// - a list whose rows came, went or changed order (data-live-list="notice") keeps its order and
//   says so in a polite status ("2 new changes: Show them"), while the figures of the rows it
//   shows change in place; a list that only grows at its end (data-live-list="append", the
//   comments) takes its new rows at once.
//
// "cx:live-resync" (the connection missed too much) fetches every part now and makes the page
// equal a fresh load, lists included, except where the reader is typing.
(function () {
  "use strict";

  var WAIT = { figures: 300, gaps: 300, gap: 100 }; // ms: changes arriving meanwhile share one fetch
  // Many pages open on one organization must not fetch in step after each change: each waits a
  // little more at random, and at least twice as long as its last fetch took, so that a busy
  // server is asked less often rather than more.
  var SPREAD = 100;
  var states = new WeakMap();

  function stateOf(part) {
    if (!states.has(part)) states.set(part, { timer: null, busy: false, again: false, force: false, held: false, seen: 0, took: 0 });
    return states.get(part);
  }

  function numbers(list) { return (list || []).map(Number); }

  function concerns(part, msg) {
    var on = part.dataset.liveOn;
    if (on === "figures" || on === "gaps") return msg.kind !== "comment"; // a comment moves no figure nor row
    var gap = Number(part.dataset.gap);
    var touchpoint = Number(part.dataset.touchpoint || 0);
    var journey = Number(part.dataset.journey || 0);
    if (numbers(msg.gap_ids).indexOf(gap) >= 0) return true;
    if (touchpoint && numbers(msg.touchpoint_ids).indexOf(touchpoint) >= 0) return true;
    if (msg.kind === "comment") return false;
    // A gap of the whole organization may move with any change; a change that names no
    // touchpoint (a structural edit, an import, an audit's repair) with any gap of its journeys.
    if (!journey) return true;
    return !(msg.touchpoint_ids || []).length && numbers(msg.journey_ids).indexOf(journey) >= 0;
  }

  function schedule(part, wait, force) {
    var state = stateOf(part);
    state.force = state.force || force;
    if (state.timer) return;
    var delay = force ? 0 : Math.max(wait, 2 * state.took) + Math.random() * SPREAD;
    state.timer = setTimeout(function () { state.timer = null; refresh(part); }, delay);
  }

  function refresh(part) {
    var state = stateOf(part);
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    var force = state.force;
    var started = Date.now();
    state.force = false;
    fetch(part.dataset.liveUrl + window.location.search, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.redirected || !response.ok) throw response;
        return response.text();
      })
      .then(function (html) { apply(part, html, force); })
      .catch(function (problem) { stopped(part, problem); })
      .finally(function () {
        state.busy = false;
        state.took = Date.now() - started;
        if (state.again) { state.again = false; refresh(part); }
      });
  }

  // Keyed elements: those of `root` not inside another keyed element of `root`.
  function keyed(root) {
    return Array.from(root.querySelectorAll("[data-live-key]")).filter(function (el) {
      var above = el.parentElement && el.parentElement.closest("[data-live-key]");
      return !above || !root.contains(above);
    });
  }

  // The keyed elements of keyed element `el` with no other keyed element between.
  function childrenKeyed(el) {
    return Array.from(el.querySelectorAll("[data-live-key]")).filter(function (child) {
      return child.parentElement.closest("[data-live-key]") === el;
    });
  }

  function keys(list) { return list.map(function (el) { return el.dataset.liveKey; }); }

  function sameOrder(a, b) { return a.length === b.length && a.every(function (k, i) { return k === b[i]; }); }

  function apply(part, html, force) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var state = stateOf(part);
    state.held = false;
    state.reload = false;
    var fresh = keyed(template.content);
    var shown = keyed(part);
    fresh.forEach(function (item) {
      var old = shown.find(function (el) { return el.dataset.liveKey === item.dataset.liveKey; });
      if (old) merge(part, old, item, force);
    });
    if (!state.offered) say(part, "");
  }

  // Bring `old` (in the page) up to `item` (fetched): in place, key by key, where it can.
  function merge(part, old, item, force) {
    var mode = item.dataset.liveList;
    if (old.outerHTML === item.outerHTML) {
      if (mode) settled(part); // back to the order shown: nothing waits for the reader any more
      return;
    }
    var oldKids = mode ? Array.from(old.children).filter(hasKey) : childrenKeyed(old);
    var newKids = mode ? Array.from(item.children).filter(hasKey) : childrenKeyed(item);
    if (newKids.length && sameOrder(keys(oldKids), keys(newKids))) {
      newKids.forEach(function (kid, i) { merge(part, oldKids[i], kid, force); });
      if (!mode) return;
      settled(part);
      return;
    }
    if (mode === "notice" && !force) {
      // The rows still shown take their new figures; their order waits for the reader.
      newKids.forEach(function (kid) {
        var twin = oldKids.find(function (el) { return el.dataset.liveKey === kid.dataset.liveKey; });
        if (twin) merge(part, twin, kid, force);
      });
      offer(part, old, item);
      return;
    }
    replace(part, old, item);
  }

  function hasKey(el) { return el.hasAttribute("data-live-key"); }

  function busy(el) {
    var focused = document.activeElement;
    return (focused && focused !== document.body && el.contains(focused)) || !!el.querySelector("[data-live-dirty]");
  }

  function replace(part, old, item) {
    if (busy(old)) { stateOf(part).held = true; return false; }
    var node = document.importNode(item, true);
    carry(old, node);
    old.replaceWith(node);
    if (window.htmx) window.htmx.process(node);
    part.dispatchEvent(new CustomEvent("cx:live-swapped", { bubbles: true }));
    return true;
  }

  // What the reader did to the old element that the server does not know: ticked boxes, open
  // details, scrolled regions.
  function carry(old, node) {
    var ticked = {};
    old.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      ticked[box.name + "|" + (box.dataset.liveId || box.value)] = box.checked;
    });
    node.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      var was = ticked[box.name + "|" + (box.dataset.liveId || box.value)];
      if (was !== undefined) box.checked = was;
    });
    pairs(old, node, "details", function (a, b) { b.open = a.open; });
    pairs(old, node, ".table-scroll, [tabindex='0']", function (a, b) {
      b.scrollTop = a.scrollTop;
      b.scrollLeft = a.scrollLeft;
    });
  }

  function pairs(old, node, selector, copy) {
    var before = old.querySelectorAll(selector);
    var after = node.querySelectorAll(selector);
    for (var i = 0; i < Math.min(before.length, after.length); i++) copy(before[i], after[i]);
  }

  function offer(part, old, item) {
    var state = stateOf(part);
    state.offered = { old: old, item: item };
    var noun = item.dataset.liveNoun || "row";
    var n = Math.max(state.seen, 1);
    say(part, n + (n === 1 ? " new change" : " new changes") + " to the " + noun + "s listed here: rows came, went or moved.", "Show them");
  }

  // The list shown is the list as it is: no change is waiting for the reader.
  function settled(part) {
    var state = stateOf(part);
    state.seen = 0;
    state.offered = null;
  }

  function show(part) {
    var state = stateOf(part);
    var offered = state.offered;
    if (!offered) return;
    var list = offered.old.isConnected ? offered.old : part.querySelector("[data-live-key='" + offered.item.dataset.liveKey + "']");
    settled(part);
    if (list) {
      var table = list.closest("table") || list;
      document.activeElement.blur();
      replace(part, list, offered.item);
      table.setAttribute("tabindex", "-1");
      table.focus({ preventScroll: true });
    }
    say(part, "Showing the latest order.");
  }

  function say(part, text, action) {
    var notice = part.querySelector("[data-live-notice]");
    if (!notice) return;
    var words = notice.querySelector("[data-live-notice-text]");
    var button = notice.querySelector("[data-live-apply]");
    if (words.textContent !== text) words.textContent = text;
    button.hidden = !action;
    if (action) button.textContent = action;
    notice.classList.toggle("is-shown", !!text);
  }

  function stopped(part, problem) {
    var status = problem && problem.status;
    if (problem && problem.redirected) {
      say(part, "You are logged out: this page no longer follows changes. Reload it to log in again.", "Reload");
    } else if (status === 403 || status === 404) {
      say(part, "You can no longer see this page's changes: it may have been removed or your access changed.", "Reload");
    } else {
      say(part, "The latest changes could not be fetched; the next change tries again.", "Reload");
    }
    stateOf(part).reload = true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-live-apply]");
    if (!button) return;
    var part = button.closest("[data-live-part]");
    if (stateOf(part).reload) window.location.reload();
    else show(part);
  });

  // Typed words are the reader's: an element holding a field they changed is not replaced.
  function dirty(event) {
    var field = event.target;
    if (field.type === "checkbox" || field.type === "radio") return; // carried across instead
    if (field.closest && field.closest("[data-live-part] [data-live-key]")) field.setAttribute("data-live-dirty", "");
  }
  document.addEventListener("input", dirty);
  document.addEventListener("change", dirty);

  document.addEventListener("focusout", function (event) {
    var part = event.target.closest && event.target.closest("[data-live-part]");
    if (part && stateOf(part).held) schedule(part, WAIT.gap, false);
  });

  document.addEventListener("cx:live", function (event) {
    var msg = event.detail || {};
    if (msg.type && msg.type !== "change") return;
    document.querySelectorAll("[data-live-part]").forEach(function (part) {
      if (!concerns(part, msg)) return;
      stateOf(part).seen += 1; // the changes a waiting list's note counts
      schedule(part, WAIT[part.dataset.liveOn] || WAIT.figures, false);
    });
  });

  // The live connection ended for good (the session ended, the member was removed): say so
  // rather than show figures that silently stop moving.
  document.addEventListener("cx:live-state", function (event) {
    if (!event.detail || event.detail.state !== "closed") return;
    document.querySelectorAll("[data-live-part]").forEach(function (part) {
      stateOf(part).reload = true;
      say(part, "Not live: this page no longer follows changes. Reload it to see the latest.", "Reload");
    });
  });

  // The reader filtered or sorted (htmx drew the part anew): an offer about the old rows is void.
  document.addEventListener("htmx:afterSwap", function (event) {
    var part = event.target.closest && event.target.closest("[data-live-part]");
    if (part && stateOf(part).offered) { settled(part); say(part, ""); }
  });

  document.addEventListener("cx:live-resync", function () {
    document.querySelectorAll("[data-live-part]").forEach(function (part) { schedule(part, 0, true); });
    announce();
  });

  // Presence on a gap: who else has it open, as avatars with their names.
  document.addEventListener("cx:presence", function (event) {
    var detail = event.detail || {};
    document.querySelectorAll("[data-gap-viewers]").forEach(function (box) {
      if (box.dataset.page !== detail.page) return;
      var others = (detail.people || []).filter(function (person) { return String(person.id) !== box.dataset.me; });
      var list = box.querySelector("ul");
      list.replaceChildren.apply(list, others.map(avatar));
      box.hidden = others.length === 0;
    });
  });

  function avatar(person) {
    var item = document.createElement("li");
    item.className = "avatar";
    item.title = person.name;
    item.style.borderColor = person.colour || "";
    var initials = document.createElement("span");
    initials.setAttribute("aria-hidden", "true");
    initials.textContent = person.initials || (person.name || "?").slice(0, 1);
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = person.name;
    item.append(initials, name);
    return item;
  }

  var announced = false;
  function announce() {
    document.querySelectorAll("[data-gap-viewers]").forEach(function (box) {
      if (window.cxLive && window.cxLive.announce) {
        window.cxLive.announce({ page: box.dataset.page });
        announced = true;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", announce);
  // The live connection's script may come after this one: then the page announces itself once loaded.
  window.addEventListener("load", function () { if (!announced) announce(); });
})();
