// /api/v1/: Swagger UI (npm swagger-ui-dist, served from static/vendor) reads the OpenAPI document whose
// address the page gives; no inline script, as the CSP requires.
//
// Swagger UI's own layout fails the accessibility checks the other pages pass, so the page uses a layout of
// its own (JalonsLayout): no second `main` landmark (the DSFR layout has one), no second h1 nor version badges
// (the page's title and text say what the document's info says), no servers select (the API has one server:
// this site). Deep links are off (their anchor sat inside the operation's button), and so is « Try it out »
// (its forms' selects have no label): each operation shows its parameters and its responses' examples.
// static/api-docs.css gives the methods' badges and the rest the contrast they lack.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }

  function JalonsLayoutPlugin(system) {
    var h = system.React.createElement;

    function JalonsLayout(props) {
      var get = props.getComponent;
      var status = props.specSelectors.loadingStatus();
      if (status === "failed" || status === "failedConfig") {
        return h("div", { className: "swagger-ui" },
          h("p", { className: "fr-error-text" }, "Le document OpenAPI n'a pas pu être lu : ouvrez-le directement."));
      }
      if (!props.specSelectors.specStr()) {
        return h("div", { className: "swagger-ui" }, h("p", null, "Chargement du document OpenAPI…"));
      }
      return h("div", { className: "swagger-ui" },
        h(get("SvgAssets")),
        h(get("errors", true)),
        h("div", { className: "jalons-api-operations" }, h(get("operations", true))));
    }

    return { components: { JalonsLayout: JalonsLayout } };
  }

  window.SwaggerUIBundle({
    url: node.getAttribute("data-openapi-url"),
    domNode: node,
    plugins: [JalonsLayoutPlugin],
    layout: "JalonsLayout",
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: -1,
    defaultModelExpandDepth: 2,
    displayRequestDuration: false,
    syntaxHighlight: false,
    validatorUrl: null,
    tryItOutEnabled: false,
    supportedSubmitMethods: [],
  });
})();
