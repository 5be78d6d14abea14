// The page's live connection (docs/live.md), on every page of an organization: <body> carries
// data-live-url (the socket), data-live-changes (the catch-up feed) and data-live-cursor (the last
// change the page was rendered with). Every message is re-dispatched on `document`, and pages
// listen to those events only:
//   "cx:live"         {type: "change", cursor, kind, journey_ids, touchpoint_ids, gap_ids, actor, cells, partial, ...}
//   "cx:live-resync"  {reason}: too much was missed; reload what the page shows
//   "cx:presence"     {type: "presence", page, people: [{id, name, initials, colour, cell?, typing?}]}
//   "cx:live-state"   {state: "live" | "reconnecting" | "closed"}
// window.cxLive.announce({page: "journey:12", cell?: {touchpoint_id, function_id}, typing?: bool})
// says where the user is. A dropped socket reconnects on its own (backoff up to 15 s, at once when
// the browser is back online) and catches up from its cursor before anything new is shown, so the
// page ends equal to a fresh load.
(function () {
  "use strict";
  var body = document.body;
  var url = body && body.getAttribute("data-live-url");
  if (!url || !window.WebSocket) return;
  var feed = body.getAttribute("data-live-changes");
  var cursor = parseInt(body.getAttribute("data-live-cursor") || "0", 10) || 0;
  var socket = null, attempt = 0, retry = null, ended = false;
  var place = null, beat = null;
  var seen = [];  // recent cursors: the feed and the socket may both bring a change
  var held = null;  // messages that arrived while catching up, shown after it

  function dispatch(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }
  function state(name) { dispatch("cx:live-state", { state: name }); }

  function deliver(msg) {
    if (msg.type === "change") {
      if (seen.indexOf(msg.cursor) >= 0) return;
      seen.push(msg.cursor);
      if (seen.length > 500) seen.splice(0, 250);
      if (msg.cursor > cursor) cursor = msg.cursor;
      dispatch("cx:live", msg);
    } else if (msg.type === "presence") {
      dispatch("cx:presence", msg);
    } else if (msg.type === "hello") {
      window.cxLive.you = msg.you;
    }
  }

  function catchUp() {
    held = [];
    return fetch(feed + "?after=" + cursor, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        if (answer.reload) {
          cursor = Math.max(cursor, answer.cursor);
          dispatch("cx:live-resync", { reason: "missed" });
        } else {
          answer.messages.forEach(deliver);
        }
      })
      .catch(function () { dispatch("cx:live-resync", { reason: "unreachable" }); })
      .then(function () {
        var waiting = held;
        held = null;
        waiting.forEach(deliver);
      });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }
  function announceNow() { if (place) send(Object.assign({ type: "announce" }, place)); }

  function connect() {
    retry = null;
    if (ended || (socket && socket.readyState <= WebSocket.OPEN)) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(/^wss?:/.test(url) ? url : scheme + location.host + url);
    socket.onopen = function () {
      attempt = 0;
      state("live");
      announceNow();
      catchUp();
    };
    socket.onmessage = function (event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      if (held) held.push(msg); else deliver(msg);
    };
    socket.onclose = function (event) {
      socket = null;
      // 4401: the session ended; 4403: not a member (any more). Reconnecting would not help.
      if (event.code === 4401 || event.code === 4403) { ended = true; state("closed"); return; }
      state("reconnecting");
      schedule();
    };
  }
  function schedule() {
    if (retry || ended) return;
    var wait = Math.min(15000, 500 * Math.pow(2, attempt++)) * (0.75 + Math.random() / 2);
    retry = setTimeout(connect, wait);
  }

  window.addEventListener("online", function () {
    if (retry) { clearTimeout(retry); retry = null; }
    attempt = 0;
    connect();
  });
  // A laptop lid or a lost network may leave the socket looking open: drop it at once, and
  // reconnect (and catch up) when the browser is back online.
  window.addEventListener("offline", function () { if (socket) socket.close(); });

  window.cxLive = {
    you: null,
    cursor: function () { return cursor; },
    announce: function (where) {
      place = { page: String(where.page) };
      if (where.cell) place.cell = { touchpoint_id: +where.cell.touchpoint_id, function_id: +where.cell.function_id };
      if (where.typing) place.typing = true;
      announceNow();
      // Other pages forget a place not heard of for a while: say it again now and then.
      clearInterval(beat);
      beat = setInterval(announceNow, 25000);
    },
  };
  connect();
})();
