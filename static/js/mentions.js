// The mention picker of a gap's comment box: type @ and a few letters, choose a member with the
// arrow keys and Enter (or a click), and "@username" is written for you. The textarea stays a
// plain textbox for assistive technology (aria-autocomplete, aria-controls and
// aria-activedescendant point at the list of members, whose count is announced); without
// JavaScript, typing @username by hand works the same.
(function () {
  "use strict";

  const MAX_SHOWN = 8;

  function setUp(form) {
    const box = form.querySelector("textarea");
    const list = form.querySelector("#mention-list");
    const status = form.querySelector("[data-mention-status]");
    const data = document.getElementById("mention-members");
    if (!box || !list || !data) return;
    const members = JSON.parse(data.textContent);
    let shown = [];
    let active = -1;
    let start = -1; // where the "@…" being typed begins

    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    box.setAttribute("aria-describedby", [box.getAttribute("aria-describedby"), "mention-help"].filter(Boolean).join(" "));

    function close() {
      list.hidden = true;
      list.textContent = "";
      shown = [];
      active = -1;
      box.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.from(list.children).forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) box.setAttribute("aria-activedescendant", list.children[index].id);
    }

    function choose(index) {
      const member = shown[index];
      if (!member) return;
      const before = box.value.slice(0, start);
      const after = box.value.slice(box.selectionStart);
      const written = "@" + member.username + " ";
      box.value = before + written + after;
      const caret = before.length + written.length;
      box.setSelectionRange(caret, caret);
      close();
      status.textContent = member.name + " will be mentioned.";
      box.focus();
    }

    function matches(query) {
      const q = query.toLocaleLowerCase();
      return members.filter(function (m) {
        return !q || m.username.toLocaleLowerCase().startsWith(q)
          || m.name.toLocaleLowerCase().split(/\s+/).some(function (word) { return word.startsWith(q); })
          || m.name.toLocaleLowerCase().startsWith(q);
      }).slice(0, MAX_SHOWN);
    }

    function update() {
      const upto = box.value.slice(0, box.selectionStart);
      const typed = /(^|[\s(])@([\w.+-]{0,30})$/.exec(upto);
      if (!typed) { close(); return; }
      start = upto.length - typed[2].length - 1;
      shown = matches(typed[2]);
      list.textContent = "";
      if (!shown.length) {
        close();
        status.textContent = "No member matches “" + typed[2] + "”.";
        return;
      }
      shown.forEach(function (member, i) {
        const option = document.createElement("li");
        option.id = "mention-option-" + i;
        option.setAttribute("role", "option");
        option.dataset.username = member.username;
        option.textContent = member.name;
        if (member.name !== member.username) {
          const handle = document.createElement("span");
          handle.className = "muted";
          handle.textContent = " @" + member.username;
          option.appendChild(handle);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      list.hidden = false;
      highlight(0);
      status.textContent = shown.length + (shown.length === 1 ? " member matches" : " members match")
        + ": Up and Down to choose, Enter to mention, Escape to close.";
    }

    box.addEventListener("input", update);
    box.addEventListener("click", update);
    box.addEventListener("blur", function () { window.setTimeout(close, 150); });
    box.addEventListener("keydown", function (event) {
      if (list.hidden || !shown.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % shown.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + shown.length) % shown.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active < 0 ? 0 : active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-mentions]").forEach(setUp);
  });
})();
