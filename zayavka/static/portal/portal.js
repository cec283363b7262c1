// Show only the chosen category's own fields; without JavaScript all are shown.
(function () {
  var select = document.getElementById("id_category");
  if (!select) return;
  function update() {
    document.querySelectorAll(".category-fields").forEach(function (set) {
      set.hidden = set.dataset.category !== select.value;
    });
  }
  select.addEventListener("change", update);
  update();
})();
