// The import page's drop zone: a file dragged onto it (or chosen with a click, Enter or Space on
// the file input it wraps) becomes the form's file, its name and size shown. The form posts the
// same multipart field either way; without this script the plain file input is shown instead.
(function () {
  "use strict";

  function size(bytes) {
    if (bytes < 1024) return bytes + (bytes === 1 ? " byte" : " bytes");
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function hasFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1;
  }

  function enhance(zone) {
    var input = zone.querySelector("input[type=file]");
    var shown = zone.querySelector("[data-drop-file]");
    var clear = zone.querySelector("[data-drop-clear]");
    var limit = parseInt(zone.getAttribute("data-max-bytes"), 10) || 0;
    var note = "";

    function show() {
      var file = input.files && input.files[0];
      zone.classList.toggle("has-file", Boolean(file));
      zone.classList.remove("is-too-big");
      clear.hidden = !file;
      if (!file) {
        shown.textContent = "";
        return;
      }
      var text = "Chosen: " + file.name + " (" + size(file.size) + ")." + note;
      if (limit && file.size > limit) {
        zone.classList.add("is-too-big");
        text += " It is over the limit of " + size(limit) + "; choose a smaller file.";
      }
      shown.textContent = text;
      note = "";
    }

    zone.classList.add("is-enhanced");
    input.addEventListener("change", show);
    clear.addEventListener("click", function () {
      input.value = "";
      show();
      input.focus();
    });
    zone.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("is-over");
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("is-over");
    });
    zone.addEventListener("drop", function (event) {
      zone.classList.remove("is-over");
      if (!hasFiles(event) || !event.dataTransfer.files.length) return;
      event.preventDefault();
      event.stopPropagation();
      var files = event.dataTransfer.files;
      var one = new DataTransfer();
      one.items.add(files[0]);
      input.files = one.files;
      if (files.length > 1) note = " One file is imported at a time: the first of the " + files.length + " dropped.";
      show();
    });
    show(); // a file the browser kept after going back
  }

  document.addEventListener("DOMContentLoaded", function () {
    var zones = document.querySelectorAll("[data-drop-zone]");
    Array.prototype.forEach.call(zones, enhance);
    if (!zones.length) return;
    // A file dropped beside the zone would open in the tab and lose what was typed: ignore it.
    document.addEventListener("dragover", function (event) {
      if (hasFiles(event)) event.preventDefault();
    });
    document.addEventListener("drop", function (event) {
      if (hasFiles(event)) event.preventDefault();
    });
  });
})();
