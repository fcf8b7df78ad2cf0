// The article form's 发布 button says 定时发布 while the publication time is in the future (#20).
// The times are the site's (Asia/Shanghai, +08:00), whatever the browser's clock zone.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector('.yz-workflow button[name="_publish"][data-schedule]');
    var date = document.getElementById("id_published_at_0");
    var time = document.getElementById("id_published_at_1");
    if (!button || !date || !time) { return; }
    // The admin writes the date as the language has it (2026/12/05 in Chinese, 2026-12-05 in
    // English) and the time with or without seconds.
    var when = function () {
      var day = /(\d{4})\D(\d{1,2})\D(\d{1,2})/.exec(date.value);
      var clock = /(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(time.value) || [null, "0", "0", "0"];
      if (!day) { return NaN; }
      return Date.UTC(+day[1], +day[2] - 1, +day[3], +clock[1] - 8, +clock[2], +(clock[3] || 0));
    };
    var update = function () {
      var at = when();
      var later = !isNaN(at) && at > Date.now();
      button.textContent = button.getAttribute(later ? "data-schedule" : "data-publish");
    };
    ["input", "change"].forEach(function (event) {
      date.addEventListener(event, update);
      time.addEventListener(event, update);
    });
    // The admin's calendar and clock widgets set the value without an input event.
    document.addEventListener("click", function () { window.setTimeout(update, 0); });
    update();
  });
})();

// Autosave (#20): every 30 s, if the form's text changed since the last copy, post it to the
// admin's autosave endpoint (news/articles/autosave.py); once more when the tab is hidden or
// closed. Saving the form stops it (the server drops the copy on save). The banner above the
// form offers a copy back (恢复未保存的内容?); 放弃 drops it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var config = document.getElementById("yz-autosave");
    var form = config && config.closest("form");
    if (!form || !window.fetch) { return; }
    var names = config.getAttribute("data-fields").split(" ");
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    var status = document.createElement("p");
    status.className = "yz-autosave-status";
    status.setAttribute("role", "status");
    var row = form.querySelector(".submit-row");
    if (row) { row.after(status); } else { form.append(status); }

    function payload(extra) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token ? token.value : "");
      data.append("article", config.getAttribute("data-article"));
      var loaded = form.elements.namedItem("loaded_at");
      data.append("based_on", loaded ? loaded.value : "");
      names.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.value !== undefined) { data.append(name, field.value); }
      });
      Object.keys(extra || {}).forEach(function (key) { data.append(key, extra[key]); });
      return data;
    }
    function snapshot() {
      return names.map(function (name) {
        var field = form.elements.namedItem(name);
        return field && field.value !== undefined ? field.value : "";
      }).join("\u0000");
    }

    var last = snapshot();
    var stopped = false;
    function save() {
      var now = snapshot();
      if (stopped || now === last) { return Promise.resolve(); }
      return fetch(config.getAttribute("data-url"), {
        method: "POST", body: payload(), credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error || response.status); }
          last = now;
          status.classList.remove("yz-autosave-status--error");
          status.textContent = config.getAttribute("data-saved").replace("{time}", body.time);
        });
      }).catch(function () {
        status.classList.add("yz-autosave-status--error");
        status.textContent = config.getAttribute("data-failed");
      });
    }
    var timer = window.setInterval(save, Number(config.getAttribute("data-interval")) || 30000);
    form.addEventListener("submit", function () { stopped = true; window.clearInterval(timer); });
    // A closed tab or a switch to another app (a phone may kill the page there): keep what is unsaved.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && !stopped && snapshot() !== last && navigator.sendBeacon) {
        if (navigator.sendBeacon(config.getAttribute("data-url"), payload())) { last = snapshot(); }
      }
    });
    window.yzAutosave = save;  // the browser tests call it rather than wait 30 s

    var discard = document.querySelector(".yz-autosave-discard");
    if (discard) {
      discard.addEventListener("click", function () {
        fetch(config.getAttribute("data-url"), {
          method: "POST", body: payload({ discard: "1" }), credentials: "same-origin"
        }).then(function () {
          var banner = discard.closest(".yz-autosave-banner");
          if (banner) { banner.remove(); }
        });
      });
    }
  });
})();
