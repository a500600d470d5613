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

// Bar charts of @gouvfr/dsfr-chart keep a width/height ratio (2 by default): on a narrow screen a year of
// months became a flat strip under its rotated labels. A chart with data-jalons-height gets the ratio that
// gives it that height (in pixels) at the width it has, before its component draws it, and again when the
// window is resized.
(function () {
  "use strict";

  function fit() {
    document.querySelectorAll("[data-jalons-height]").forEach(function (chart) {
      var width = chart.parentElement.getBoundingClientRect().width;
      var height = parseInt(chart.getAttribute("data-jalons-height"), 10);
      if (width > 0 && height > 0) {
        var ratio = (width / height).toFixed(2);
        if (chart.getAttribute("aspect-ratio") !== ratio) {
          chart.setAttribute("aspect-ratio", ratio);
        }
      }
    });
  }

  fit();
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(fit, 150);
  });
})();

// Charts (@gouvfr/dsfr-chart): numbers in French style on the axis and in the tooltips (« 1 234,5 », not
// « 1.2K »). The web components take no number format: once a chart is drawn, its Chart.js instance gets
// the French locale and formatters, and is updated. The data is always in a table beside the chart too.
(function () {
  "use strict";

  if (!window.customElements || !window.Intl) {
    return;
  }
  var format = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });

  function french(value) {
    return typeof value === "number" && isFinite(value) ? format.format(value) : value;
  }

  function chartOf(element) {
    var instance = element._instance; // the Vue component behind the custom element
    var proxy = instance && (instance.proxy || instance.ctx);
    return proxy && proxy.chart;
  }

  function adjust(element, tries) {
    var chart = chartOf(element);
    if (!chart || !chart.options || !chart.options.scales || !chart.options.scales.y) {
      if (tries < 100) {
        window.setTimeout(function () { adjust(element, tries + 1); }, 50);
      }
      return;
    }
    chart.options.locale = "fr-FR";
    chart.options.scales.y.ticks.callback = french;
    var callbacks = chart.options.plugins && chart.options.plugins.tooltip && chart.options.plugins.tooltip.callbacks;
    if (callbacks && callbacks.label) {
      var label = callbacks.label;
      callbacks.label = function (context) {
        var result = label.call(this, context);
        return Array.isArray(result) ? result.map(french) : french(result);
      };
    }
    chart.update("none");
    element.setAttribute("data-jalons-numbers", "fr");
  }

  ["line-chart", "bar-chart"].forEach(function (name) {
    window.customElements.whenDefined(name).then(function () {
      document.querySelectorAll(name).forEach(function (element) { adjust(element, 0); });
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

// A form is sent once: a second click (or Enter) while the first send is under way does not send it again
// (the server refuses the same committee planned twice, but not every form can tell a twin). The submit
// buttons are not disabled: a disabled button would drop its name and value (« action=submit ») from the
// form's data. After ten seconds (a download leaves the page in place) or back from the history, it can be
// sent again.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
      return;
    }
    if (form.hasAttribute("data-jalons-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-jalons-sent", "");
    window.setTimeout(function () { form.removeAttribute("data-jalons-sent"); }, 10000);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-jalons-sent]").forEach(function (form) {
        form.removeAttribute("data-jalons-sent");
      });
    }
  });
})();
