// The shop form on a phone: the location button (used only when the officer presses it) and
// the market field, which only a market stall needs. Without JavaScript the form works as is:
// two optional coordinate inputs and the market field always shown.
(function () {
  "use strict";

  function setUpLocation(box) {
    var button = box.querySelector("[data-locate]");
    var status = box.querySelector("[data-location-status]");
    var latitude = box.querySelector("input[name=latitude]");
    var longitude = box.querySelector("input[name=longitude]");
    if (!button || !latitude || !longitude || !navigator.geolocation) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.locating;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = box.dataset.found;
          button.disabled = false;
        },
        function () {
          status.textContent = box.dataset.refused;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  }

  function setUpMarket(form) {
    var kind = form.querySelector("select[name=kind]");
    var market = form.querySelector("[data-market-field]");
    if (!kind || !market) {
      return;
    }
    function toggle() {
      var input = market.querySelector("input");
      // A market already typed in stays visible, so nothing is hidden that will be saved.
      market.hidden = kind.value !== "market_stall" && !(input && input.value);
    }
    kind.addEventListener("change", toggle);
    toggle();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-location]").forEach(setUpLocation);
    document.querySelectorAll("form.shop-form").forEach(setUpMarket);
  });
})();
