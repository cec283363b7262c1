// The workspace's only script: select-all checkboxes, the browser's time zone for the
// server (deadlines are shown in the agent's local time), and keyboard shortcuts.
// Everything works without it. It is loaded once, in <head>: htmx's boosted page
// changes swap the body and leave it running.
(function () {
  "use strict";
  // The phone layout folds the menu away only when this script can unfold it.
  document.documentElement.classList.add("js");

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("#ws-menu-toggle");
    if (!toggle) return;
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (menu) menu.classList.toggle("open", open);
  });

  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("zv_tz=" + zone) === -1) {
      document.cookie = "zv_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* an old browser: the desk's time zone is used */ }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    var form = box.closest("form");
    form.querySelectorAll("input[type=checkbox][name=tickets]").forEach(function (item) {
      item.checked = box.checked;
    });
  });

  // --- Keyboard shortcuts -----------------------------------------------------------
  // In a queue: j / k select the next / previous row, Enter or o opens it. On a ticket:
  // j / k open the next / previous ticket of the queue it was opened from, r and n go to
  // the reply and the note, t takes the ticket. Everywhere: / goes to the search box.
  var QUEUE_KEY = "zayavka.queue";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.tickets tbody tr"));
  }

  function rememberQueue() {
    var links = rows().map(function (row) {
      var link = row.querySelector("td.num a");
      return link ? link.getAttribute("href") : null;
    }).filter(Boolean);
    if (links.length) {
      try { sessionStorage.setItem(QUEUE_KEY, JSON.stringify(links)); } catch (e) { /* private mode */ }
    }
  }

  function go(url) {
    window.location.assign(url);
  }

  function stepRow(delta) {
    var all = rows();
    if (!all.length) return false;
    var current = all.findIndex(function (row) { return row.classList.contains("selected"); });
    var next = Math.min(Math.max(current + delta, 0), all.length - 1);
    if (current >= 0) all[current].classList.remove("selected");
    all[next].classList.add("selected");
    all[next].setAttribute("aria-selected", "true");
    all[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function stepTicket(delta) {
    var links;
    try { links = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { links = []; }
    var here = links.indexOf(window.location.pathname);
    var target = here >= 0 ? links[here + delta] : null;
    if (target) go(target);
  }

  function focus(selector) {
    var field = document.querySelector(selector);
    if (!field) return;
    field.focus();
    field.scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("table.tickets a")) rememberQueue();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    // The key's place, not its letter: on the Russian layout "j" types "о", and the
    // shortcuts must work the same (KeyJ is the key under "j" whatever the layout).
    var key = {
      KeyJ: "j", KeyK: "k", KeyO: "o", KeyR: "r", KeyN: "n", KeyT: "t", Slash: "/", Enter: "Enter",
      NumpadEnter: "Enter"
    }[event.code];
    if (event.shiftKey) return;
    if (key === "j" || key === "k") {
      if (!stepRow(key === "j" ? 1 : -1)) stepTicket(key === "j" ? 1 : -1);
    } else if (key === "Enter" || key === "o") {
      var selected = document.querySelector("table.tickets tbody tr.selected td.num a");
      if (!selected) return;
      rememberQueue();
      go(selected.getAttribute("href"));
    } else if (key === "r") {
      focus("#id_reply-text");
    } else if (key === "n") {
      focus("#id_note-text");
    } else if (key === "t") {
      var take = document.querySelector("[data-shortcut=take]");
      if (take) take.click();
    } else if (key === "/") {
      focus("#ws-search");
    } else {
      return;
    }
    event.preventDefault();
  });
})();

// --- Who else has the ticket open ----------------------------------------------------
// The ticket page's heartbeat (#presence, every 20 s) also tells the desk whether this
// agent is typing a reply, so that the others see it before answering themselves.
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.target || event.target.id !== "presence") return;
    var reply = document.getElementById("id_reply-text");
    event.detail.parameters.composing = reply && reply.value.trim() ? "1" : "";
  });
})();

// --- A post too large for the desk ------------------------------------------------------
// The server refuses a body over its limit with 413 before reading it (core/bodylimit.py);
// htmx swaps no error answer, so its explanation is shown above the form that was sent,
// whose text and files stay as they were.
(function () {
  "use strict";
  if (window.zayavkaTooLarge) return;
  window.zayavkaTooLarge = true;

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 413) return;
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var reason = page.querySelector("[data-refusal]");
    var form = event.detail.elt.closest("form") || event.detail.elt;
    var box = form.querySelector(".too-large");
    if (!box) {
      box = document.createElement("div");
      box.className = "errors too-large";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = reason ? reason.textContent.trim() : xhr.statusText;
  });
})();
