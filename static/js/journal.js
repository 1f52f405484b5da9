// Journal enhancements. Every journal page works without this file.
(function () {
  "use strict";

  function localNow() {
    var now = new Date();
    now.setSeconds(0, 0);
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  // A new entry's "when" defaults to now in the server's zone; switch it to the browser's clock
  // and say which zone that is, so a back-dated time means what the member typed.
  function adoptTimeZone(root) {
    var zone = window.browserTimeZone ? window.browserTimeZone() : "";
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

  // Prompts are plain text without this file; with it, each becomes a button that starts the
  // story box with the prompt's words (or adds them on a new line after what is there).
  function promptButtons(root) {
    if (!root.querySelectorAll) {
      return;
    }
    Array.prototype.forEach.call(root.querySelectorAll("[data-prompts-for] .prompt-text"), function (text) {
      var box = document.getElementById(text.closest("[data-prompts-for]").getAttribute("data-prompts-for"));
      if (!box) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "prompt-use";
      button.textContent = text.textContent;
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " (starts your story with this)";
      button.appendChild(hint);
      button.addEventListener("click", function () {
        var words = text.textContent.trim();
        box.value = box.value.trim() ? box.value.replace(/\s*$/, "\n\n") + words + "\n" : words + "\n";
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      });
      text.replaceWith(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    adoptTimeZone(document);
    promptButtons(document);
  });
  document.addEventListener("htmx:load", function (event) {
    adoptTimeZone(event.detail.elt);
    promptButtons(event.detail.elt);
  });

  // The journal answers a form with problems with 400 and the form, messages included;
  // htmx leaves 4xx responses unswapped unless told otherwise.
  document.addEventListener("htmx:beforeSwap", function (event) {
    // 410: an undo that came too late says so in place.
    if (event.detail.xhr.status === 400 || event.detail.xhr.status === 410) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The list refreshes itself after every inline change (the hidden [data-journal-refresh] in
  // entry_list.html). What the member is doing in a card comes first: a refresh never replaces
  // a card while an edit or delete form is open in it, or while a card's own request (opening
  // such a form, say) is on its way, since its answer would land in a card no longer on the
  // page. The refresh runs once the card is done instead. htmx marks the element that sent a
  // request with htmx-request until the answer is in.
  var refreshWaiting = false;

  function cardBusy() {
    var busy = "#results .entry-slot form, #results .entry-slot .htmx-request";
    return document.querySelector(busy) !== null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (source && source.matches && source.matches("[data-journal-refresh]") && cardBusy()) {
      detail.shouldSwap = false;
      refreshWaiting = true;
    }
  });

  function catchUp() {
    if (refreshWaiting && !cardBusy()) {
      refreshWaiting = false;
      htmx.trigger(document.body, "journalChanged");
    }
  }
  document.addEventListener("htmx:afterSettle", catchUp);
  // A card's request that failed (the network dropped, the server erred) swaps and settles
  // nothing, so catch up when it ends instead.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) {
      catchUp();
    }
  });
})();
