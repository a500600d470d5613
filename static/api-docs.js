// /api/v1/: Swagger UI (npm swagger-ui-dist, served from static/vendor) reads the OpenAPI document whose
// address the page gives; no inline script, as the CSP requires.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.getAttribute("data-openapi-url"),
    domNode: node,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    validatorUrl: null,
    tryItOutEnabled: false,
    supportedSubmitMethods: ["get"],
  });
})();
