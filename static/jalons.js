// Jalons' progressive enhancements: every page works without them.

// Filterable checkbox lists (templates/dsfr/macros.html, checkbox_list): typing narrows the choices to
// those whose name holds every word typed, accents and case aside; checked choices always stay in view.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  document.querySelectorAll("[data-jalons-filterable]").forEach(function (list) {
    var group = list.querySelector("[data-jalons-filter-group]");
    var input = list.querySelector("[data-jalons-filter]");
    var none = list.querySelector("[data-jalons-none]");
    if (!group || !input) {
      return;
    }
    group.hidden = false;
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // typing in the filter never submits the form
      }
    });
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var found = 0;
      list.querySelectorAll("[data-jalons-choice]").forEach(function (choice) {
        var box = choice.querySelector("input[type=checkbox]");
        var name = fold(choice.textContent);
        var match = words.every(function (word) { return name.indexOf(word) !== -1; });
        choice.hidden = !(match || box.checked);
        if (match) {
          found += 1;
        }
      });
      if (none) {
        none.hidden = found > 0;
      }
    });
  });
})();
