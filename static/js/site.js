/* Small enhancements for pages that already work without JavaScript. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // A page nginx served to every anonymous reader at once has empty CSRF fields: fill them
    // with this reader's own token (the request also sets their CSRF cookie). A form sent
    // before the token arrives waits for it.
    var emptyTokens = document.querySelectorAll('input[name="csrfmiddlewaretoken"][value=""]');
    var csrfReady = Promise.resolve();
    if (emptyTokens.length && window.fetch) {
      csrfReady = fetch("/csrf/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) { emptyTokens.forEach(function (input) { input.value = body.token; }); })
        .catch(function () {});
      document.querySelectorAll("form:not(.js-reactions)").forEach(function (form) {
        var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
        if (!token) { return; }
        form.addEventListener("submit", function (event) {
          if (token.value) { return; }
          event.preventDefault();
          csrfReady.then(function () { form.submit(); });
        });
      });
    }

    // 表态: vote without leaving the page; the form posts normally without JavaScript.
    document.querySelectorAll("form.js-reactions").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !window.fetch) { return; }
        event.preventDefault();
        csrfReady.then(function () { react(form, button); });
      });
    });

    function react(form, button) {
        var data = new FormData(form);
        data.set("reaction", button.value);
        var status = form.querySelector(".reactions__status");
        fetch(form.action, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (result) {
          if (!result.ok) { status.textContent = result.body.error || ""; return; }
          status.textContent = "";
          form.querySelectorAll(".reaction__count").forEach(function (count) {
            count.textContent = result.body.counts[count.getAttribute("data-reaction")] || 0;
          });
          form.querySelectorAll("button.reaction").forEach(function (other) {
            other.setAttribute("aria-pressed", String(other.value === String(result.body.chosen)));
          });
        }).catch(function () { status.textContent = form.getAttribute("data-error") || "!"; });
    }
    // Close an open dropdown when clicking elsewhere.
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
        if (!details.contains(event.target)) { details.open = false; }
      });
    });
  });
})();
