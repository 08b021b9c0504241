// Optional: the consumer may share a coarse area (rounded to about 10 km) for this scan.
// Without JavaScript, or without consent, nothing is sent; the page works the same.
(function () {
  var form = document.querySelector("form[data-place]");
  if (!form || !navigator.geolocation || !window.fetch) return;
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var body = new URLSearchParams();
      body.set("lat", pos.coords.latitude.toFixed(1));
      body.set("lon", pos.coords.longitude.toFixed(1));
      fetch(form.action, { method: "POST", body: body }).then(function () {
        button.hidden = true;
        form.querySelector("[data-done]").hidden = false;
      });
    }, function () { button.disabled = false; }, { maximumAge: 600000, timeout: 15000 });
  });
})();
