// The workspace's only script: select-all checkboxes, and the browser's time zone for
// the server (deadlines are shown in the agent's local time). Everything works without it.
(function () {
  "use strict";
  if (window.zayavkaWorkspace) return; // htmx re-runs scripts of swapped pages
  window.zayavkaWorkspace = true;

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
})();
