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
