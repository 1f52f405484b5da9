// The browser's time zone, for the pages that ask for it (window.browserTimeZone). Without this
// file a new account keeps UTC (the account page says so) and the offer to switch never appears.
(function () {
  "use strict";

  function browserTimeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }
  // The one way to ask; journal.js (loaded after this file) uses it too.
  window.browserTimeZone = browserTimeZone;

  document.addEventListener("DOMContentLoaded", function () {
    var zone = browserTimeZone();
    if (!zone) {
      return;
    }
    // Hidden fields that send the browser's zone: the sign-up form, the offer's button.
    document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
      input.value = zone;
    });
    // The offer to switch shows only when the browser's zone differs from the stored one; the
    // member decides, nothing changes without their click.
    document.querySelectorAll("[data-time-zone-offer]").forEach(function (offer) {
      if (offer.getAttribute("data-current") === zone) {
        return;
      }
      offer.querySelectorAll("[data-browser-time-zone-name]").forEach(function (name) {
        name.textContent = zone.replace(/_/g, " ");
      });
      offer.hidden = false;
    });
  });
})();
