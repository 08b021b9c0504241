// Starts Swagger UI on /api/docs (templates/swagger_ui.html); a file, not an inline script,
// so the page keeps the site's Content-Security-Policy.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.dataset.specUrl, dom_id: "#swagger-ui-container" };
  var overrides = JSON.parse(container.dataset.config || "{}");
  Object.keys(overrides).forEach(function (name) {
    config[name] = overrides[name];
  });
  window.addEventListener("load", function () {
    window.ui = window.SwaggerUIBundle(config);
  });
})();
