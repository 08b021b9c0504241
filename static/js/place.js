// Optional: the consumer may share a coarse area (rounded to about 10 km) for this scan.
// Without JavaScript, or without consent, nothing is sent; the page works the same. Without
// JavaScript (or geolocation) the button is never shown; when the browser refuses, the
// translated reason from the form's data-* attributes is shown instead of nothing.
(function () {
  var form = document.querySelector("form[data-place]");
  if (!form || !navigator.geolocation || !window.fetch) return;
  var button = form.querySelector("button");
  var error = form.querySelector("[data-error]");
  var reasons = { 1: "denied", 2: "unavailable", 3: "timeout" };

  function fail(kind) {
    button.disabled = false;
    if (!error) return;
    error.textContent = error.getAttribute("data-" + kind) || error.getAttribute("data-failed");
    error.hidden = false;
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    if (error) error.hidden = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var body = new URLSearchParams();
      body.set("lat", pos.coords.latitude.toFixed(1));
      body.set("lon", pos.coords.longitude.toFixed(1));
      fetch(form.action, { method: "POST", body: body }).then(function (response) {
        if (!response.ok && response.status !== 409) return fail("failed");
        button.hidden = true;
        form.querySelector("[data-done]").hidden = false;
      }, function () { fail("failed"); });
    }, function (err) {
      fail(reasons[err && err.code] || "failed");
    }, { maximumAge: 600000, timeout: 15000 });
  });
})();
