// The officers' ward picker (templates/auth/_ward_picker.html): a search box that hides the
// wards whose name does not match. Without this script every checkbox is shown.
(function () {
  "use strict";

  // "Phường Đồng Xoài" matches "dong xoai": no case, no diacritics.
  function plain(text) {
    return text
      .toLowerCase()
      .replace(/đ/g, "d")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }

  function setUp(picker) {
    var box = picker.querySelector("[data-ward-search-box]");
    var input = picker.querySelector("[data-ward-search]");
    var chosen = picker.querySelector("[data-ward-chosen]");
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-ward-item]"));
    var names = items.map(function (li) { return plain(li.textContent); });

    function count() {
      var n = picker.querySelectorAll("input[type=checkbox]:checked").length;
      chosen.textContent = chosen.getAttribute("data-template").replace("{n}", String(n));
    }

    function filter() {
      var words = plain(input.value).split(" ").filter(Boolean);
      items.forEach(function (li, i) {
        var box = li.querySelector("input");
        var match = words.every(function (w) { return names[i].indexOf(w) !== -1; });
        li.hidden = !(match || box.checked); // a ticked ward never disappears
      });
      picker.querySelectorAll("[data-ward-group]").forEach(function (group) {
        var shown = group.querySelectorAll("[data-ward-item]:not([hidden])").length;
        group.querySelector("[data-ward-none]").hidden = shown > 0;
      });
    }

    box.hidden = false;
    input.addEventListener("input", filter);
    // Enter in the search box must not submit the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    picker.addEventListener("change", count);
    count();
  }

  document.querySelectorAll("[data-ward-picker]").forEach(setUp);
})();
