// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // After htmx swaps in new content, move focus to its first heading or to the swapped region,
  // so keyboard and screen-reader users land where the page changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.hasAttribute("data-keep-focus")) {
      return;
    }
    var focusable = target.querySelector("[data-focus-after-swap]") ||
      target.querySelector("h1, h2, h3") || target;
    if (!focusable.hasAttribute("tabindex")) {
      focusable.setAttribute("tabindex", "-1");
    }
    focusable.focus({ preventScroll: false });
  });
})();
