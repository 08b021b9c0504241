// The result pages' buttons that need a browser: copy or send a new link, print the result.
// Without JavaScript they stay hidden; the link can still be selected and the page printed.
(function () {
  "use strict";

  function textOf(id) {
    var source = document.getElementById(id);
    return source ? source.textContent.trim() : "";
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(textOf(button.dataset.copy)).then(function () {
        button.textContent = button.dataset.done;
      });
    });
  });

  document.querySelectorAll("[data-share]").forEach(function (button) {
    if (!navigator.share) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ url: textOf(button.dataset.share) }).catch(function () {});
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
