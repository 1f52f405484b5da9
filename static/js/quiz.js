// The quiz's one enhancement over plain forms: let htmx swap in a step that came back with a
// message (400 for an answer to fix), and show any other error page whole instead of nothing.
// Every quiz page works without this file.
(function () {
  "use strict";
  if (!window.htmx) {
    return;
  }
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400", swap: true, error: false },
    { code: "[45]..", swap: true, error: true, target: "#main", select: "#main", swapOverride: "outerHTML" },
  ];
})();
