// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // One polite live region, so screen readers hear what an htmx swap changed.
  var announcer = document.createElement("div");
  announcer.id = "htmx-announcer";
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-atomic", "true");

  function announce(message) {
    // Clearing first makes a repeated message ("Saved.") be read again.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 100);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.appendChild(announcer);
  });

  function swappedRegion(event) {
    // With hx-swap="outerHTML" the old target is gone; its replacement usually keeps its id.
    var target = event.detail.target;
    if (target && target.isConnected) {
      return target;
    }
    return (target && target.id && document.getElementById(target.id)) || event.target;
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // After a swap: focus [data-focus-after-swap] if the new content has one; otherwise, only if
  // the swap removed the focused element, move focus to the region's first heading (or to the
  // region). Focus is never taken from a control still in use, such as a search box.
  // Then announce the new content's data-announce text; failing that, when focus stayed put,
  // the region's heading or a plain "Content updated."
  // A [data-keep-focus] region (the journal's results) is refreshed behind the person's back:
  // if it held the focus, the same element (by id) gets it back in the new content.
  var keptFocusId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    keptFocusId = target && target.matches("[data-keep-focus]") && active && active.id &&
      target.contains(active) ? active.id : null;
  });

  var settled = new WeakSet();
  document.addEventListener("htmx:afterSettle", function (event) {
    if (settled.has(event.detail)) {
      return; // one request settles several elements (out-of-band swaps); handle it once
    }
    settled.add(event.detail);
    var region = swappedRegion(event);
    if (region && region.matches("[data-keep-focus]")) {
      var again = keptFocusId && focusLost() ? document.getElementById(keptFocusId) : null;
      if (again) {
        if (!again.matches("a[href], button, input, select, textarea, [tabindex]")) {
          again.setAttribute("tabindex", "-1");
        }
        again.focus();
      }
      keptFocusId = null;
      return;
    }
    if (!region) {
      return;
    }
    var heading = region.querySelector("h1, h2, h3");
    var landing = region.querySelector("[data-focus-after-swap]") ||
      (focusLost() ? heading || region : null);
    if (landing) {
      if (!landing.matches("a[href], button, input, select, textarea, [tabindex]")) {
        landing.setAttribute("tabindex", "-1");
      }
      landing.focus();
    }
    var labelled = region.querySelector("[data-announce]") || region.closest("[data-announce]");
    var message = labelled ? labelled.getAttribute("data-announce") :
      landing ? "" : (heading ? heading.textContent.trim() : "Content updated.");
    if (message) {
      announce(message);
    }
  });

  // When a request fails there is no swap to hear; say so instead of staying silent.
  function announceFailure() {
    announce("That did not go through. Nothing was changed. Please try again.");
  }
  document.addEventListener("htmx:responseError", announceFailure);
  document.addEventListener("htmx:sendError", announceFailure);
})();
