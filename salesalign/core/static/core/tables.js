// A table wider than its box opens where the reader looks first: at the current month (a
// cell marked aria-current="date") or, in a box marked data-scroll-start="end", at its last
// columns (the latest months and the total). The first column stays, being sticky.
(function () {
  "use strict";

  function place(root) {
    root.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth) { return; }
      var current = box.querySelector('[aria-current="date"]');
      if (current) {
        var cell = current.getBoundingClientRect();
        var frame = box.getBoundingClientRect();
        if (cell.right > frame.right) { box.scrollLeft += cell.right - frame.right + 16; }
      } else if (box.dataset.scrollStart === "end") {
        box.scrollLeft = box.scrollWidth;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { place(document); });
  document.addEventListener("htmx:afterSwap", function (event) { place(event.target); });
})();
