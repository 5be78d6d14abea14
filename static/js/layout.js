// The layout at every width: the top bar's menu on narrow screens, and wide tables that scroll
// inside their own box reachable by keyboard. Without this script the navigation stays shown
// (it wraps under the bar) and the boxes still scroll with a mouse or a finger.
(function () {
  "use strict";

  // The menu: a disclosure button for the main navigation, used when its links do not fit the
  // bar (measured, not guessed from the width: the organization's name and the links vary).
  var fit = function () {};
  function menu() {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    var bar = button.closest(".topbar");
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      bar.classList.toggle("nav-open", open);
    }
    fit = function () {
      var open = bar.classList.contains("nav-open");
      bar.classList.remove("nav-collapsed", "nav-open");
      var collapse = nav.scrollWidth > nav.clientWidth + 1 || bar.scrollWidth > bar.clientWidth + 1;
      bar.classList.toggle("nav-collapsed", collapse);
      button.hidden = !collapse;
      set(collapse && open);
    };
    set(false);
    fit();
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bar.classList.contains("nav-open")) {
        set(false);
        button.focus();
      }
    });
    // A click outside the open menu closes it, as a menu does.
    document.addEventListener("click", function (event) {
      if (bar.classList.contains("nav-open") && !bar.contains(event.target)) set(false);
    });
  }

  // A box that scrolls sideways gets a tab stop and a name, so that a keyboard can scroll it and
  // a screen reader says what it holds: the table's caption, or the heading of its section.
  var SCROLLERS = ".table-scroll, .journey-map, [data-scroll-region]";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = box.closest("section, .card, main");
    var heading = section && section.querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : "Table";
  }

  function scrollers(root) {
    (root || document).querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        // What this script adds it lists in data-scroll-focus, to take it back later.
        var added = ["tabindex"];
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", nameOf(box));
          added.push("aria-label");
          if (!box.hasAttribute("role")) {
            box.setAttribute("role", "region");
            added.push("role");
          }
        }
        box.setAttribute("data-scroll-focus", added.join(" "));
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        // No longer wider than its box (a phone turned to landscape): no needless tab stop.
        box.getAttribute("data-scroll-focus").split(" ").forEach(function (name) {
          box.removeAttribute(name);
        });
        box.removeAttribute("data-scroll-focus");
      }
    });
  }

  var pending = null;
  function later() {
    if (pending) window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(function () {
      pending = null;
      fit();
      scrollers();
    });
  }

  function start() {
    menu();
    scrollers();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("resize", later);
  // Web fonts and late images can widen the bar after the first measure.
  window.addEventListener("load", later);
  document.addEventListener("htmx:afterSettle", later);
})();
