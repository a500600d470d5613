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

// Suggestions for a text filter (the portfolio's sponsor): the input works alone (a name, an acronym or
// an identifier typed); when this script runs, its datalist offers the organisations' names, read once
// from the JSON API named by data-jalons-suggestions (cached over HTTP like any public answer).
(function () {
  "use strict";

  document.querySelectorAll("input[data-jalons-suggestions]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !window.fetch) {
      return;
    }
    var loaded = false;
    input.addEventListener("focus", function () {
      if (loaded) {
        return;
      }
      loaded = true;
      fetch(input.getAttribute("data-jalons-suggestions"), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { data: [] }; })
        .then(function (body) {
          (body.data || []).forEach(function (organisation) {
            var option = document.createElement("option");
            option.value = organisation.name;
            if (organisation.acronym) {
              option.label = organisation.acronym;
            }
            list.appendChild(option);
          });
        })
        .catch(function () { loaded = false; });
    });
  });
})();
