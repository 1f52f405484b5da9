// The quick exit: leave for a neutral page and take this page out of the back button's reach.
// Without JavaScript the link still goes there, as an ordinary link.
(function () {
  "use strict";

  function leave(href) {
    // replace() swaps this history entry for the neutral page, so Back does not return here.
    window.location.replace(href);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-quick-exit]");
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    leave(link.href);
  });
})();
