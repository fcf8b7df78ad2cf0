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

    // 获取验证码: after a code was sent, the button counts down the minute before it may ask again
    // (the server refuses earlier requests anyway, with a message).
    document.querySelectorAll(".js-send-code[data-countdown]").forEach(function (button) {
      var label = button.textContent, left = parseInt(button.dataset.countdown, 10) || 60;
      button.disabled = true;
      var tick = function () {
        if (left <= 0) { button.disabled = false; button.textContent = label; return; }
        button.textContent = left + button.dataset.wait;
        left -= 1;
        window.setTimeout(tick, 1000);
      };
      tick();
    });

    // 表态: vote without leaving the page; the form posts normally without JavaScript.
    // Anonymous pages are shared by every reader (the page caches), so an anonymous reader's
    // choice is kept in this browser (data-remember names the key) and marked here.
    document.querySelectorAll("form.js-reactions").forEach(function (form) {
      var remembered = remember(form);
      if (remembered && !form.querySelector('button.reaction[aria-pressed="true"]')) {
        markChosen(form, remembered);
      }
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
          markChosen(form, String(result.body.chosen));
          remember(form, String(result.body.chosen));
        }).catch(function () { status.textContent = form.getAttribute("data-error") || "!"; });
    }

    function markChosen(form, chosen) {
      form.querySelectorAll("button.reaction").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.value === chosen));
      });
    }

    // Read (or, given a value, store) this browser's reaction to the form's article.
    function remember(form, value) {
      var key = form.getAttribute("data-remember");
      if (!key) { return null; }
      try {
        if (value === undefined) { return window.localStorage.getItem("yzgz:" + key); }
        window.localStorage.setItem("yzgz:" + key, value);
      } catch (error) { /* storage disabled: the choice is shown until the page is left */ }
      return null;
    }
    // 更换头像: show the chosen picture before the form is saved.
    document.querySelectorAll(".avatar-field").forEach(function (field) {
      var input = field.querySelector('input[type="file"]');
      var preview = field.querySelector(".js-avatar-preview");
      var initial = field.querySelector(".js-avatar-initial");
      var chosen = field.querySelector(".js-avatar-chosen");
      if (!input || !preview || !window.URL || !URL.createObjectURL) { return; }
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file) { return; }
        if (preview.src && preview.src.indexOf("blob:") === 0) { URL.revokeObjectURL(preview.src); }
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
        if (initial) { initial.hidden = true; }
        if (chosen) { chosen.textContent = (chosen.getAttribute("data-label") || "") + file.name; }
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
