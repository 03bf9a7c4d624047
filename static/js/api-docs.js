// /api/v1/docs/: Swagger UI over the OpenAPI schema whose address the page gives (#swagger-ui's
// data-schema-url). Swagger UI's own files come from /static/ (drf-spectacular-sidecar): no CDN, no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle === "undefined") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    displayRequestDuration: true,
    validatorUrl: null
  });
})();
