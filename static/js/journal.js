// Journal enhancements. Every journal page works without this file.
(function () {
  "use strict";

  function browserTimeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function localNow() {
    var now = new Date();
    now.setSeconds(0, 0);
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  // A new entry's "when" defaults to now in the server's zone; switch it to the browser's clock
  // and say which zone that is, so a back-dated time means what the member typed.
  function adoptTimeZone(root) {
    var zone = browserTimeZone();
    if (!zone || !root.querySelectorAll) {
      return;
    }
    var forms = Array.prototype.slice.call(root.querySelectorAll("form[data-new-entry]"));
    if (root.matches && root.matches("form[data-new-entry]")) {
      forms.push(root);
    }
    forms.forEach(function (form) {
      var tz = form.querySelector("input[name=tz]");
      var when = form.querySelector("input[name=occurred_at]");
      if (!tz || tz.value === zone) {
        return;
      }
      if (when && when.value === when.defaultValue) {
        when.value = localNow();
      }
      tz.value = zone;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    adoptTimeZone(document);
  });
  document.addEventListener("htmx:load", function (event) {
    adoptTimeZone(event.detail.elt);
  });

  // The journal answers a form with problems with 400 and the form, messages included;
  // htmx leaves 4xx responses unswapped unless told otherwise.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
