/* Small enhancements for pages that already work without JavaScript. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // 分享到: copy the link, with a visible confirmation.
    document.querySelectorAll(".js-copy-link").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var status = button.parentNode.querySelector(".share__status");
        navigator.clipboard.writeText(button.getAttribute("data-url")).then(function () {
          if (status) { status.textContent = button.getAttribute("data-done") || "✓"; }
        });
      });
    });
    // Close an open dropdown when clicking elsewhere.
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
        if (!details.contains(event.target)) { details.open = false; }
      });
    });
  });
})();
