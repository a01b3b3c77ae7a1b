// The order list's selection (no inline script under the CSP): "select all on this page"
// ticks every row, and the bulk bar says how many are ticked. Without JavaScript the row
// boxes and "select all in this filter" still work; only these conveniences are missing.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-order-box]"));
  }

  function showCount() {
    var counter = document.querySelector("[data-selected-count]");
    if (!counter || !counter.dataset.template) { return; }
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    var everything = document.querySelector("[data-select-filter]");
    if (everything && everything.checked) {
      counter.textContent = counter.dataset.filterText || "";
    } else {
      counter.textContent = counter.dataset.template.replace("%(n)s", String(ticked));
    }
  }

  function setup() {
    var pageBox = document.querySelector("[data-select-page]");
    if (pageBox) {
      pageBox.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = pageBox.checked; });
        showCount();
      });
    }
    boxes().forEach(function (box) { box.addEventListener("change", showCount); });
    var everything = document.querySelector("[data-select-filter]");
    if (everything) { everything.addEventListener("change", showCount); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
