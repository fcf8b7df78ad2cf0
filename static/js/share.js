/* 分享到 and 手机版. Everything here is an enhancement: the 微信 and 手机版 QR panels are
   <details> elements that open without JavaScript; this adds copying the link, the
   browser's own share sheet where there is one, and closing a panel from outside. */
(function () {
  "use strict";

  // Copy with the Clipboard API where allowed (HTTPS, localhost), else the older way.
  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }

  function statusOf(element) {
    var section = element.closest(".share");
    return section ? section.querySelector(".share__status") : null;
  }

  function say(status, text, isError) {
    if (!status) { return; }
    status.classList.toggle("is-error", Boolean(isError));
    status.textContent = text;
  }

  document.addEventListener("DOMContentLoaded", function () {
    // 复制链接
    document.querySelectorAll(".js-share-copy").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var url = button.getAttribute("data-url");
        var status = statusOf(button);
        copyText(url).then(function () {
          say(status, button.getAttribute("data-done") || "✓", false);
        }, function () {
          say(status, (button.getAttribute("data-failed") || "") + " " + url, true);
        });
      });
    });

    // 分享: the system share sheet (phones, some desktops); hidden where there is none.
    document.querySelectorAll(".js-share-native").forEach(function (button) {
      if (typeof navigator.share !== "function") { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({
          title: button.getAttribute("data-title") || document.title,
          text: button.getAttribute("data-text") || "",
          url: button.getAttribute("data-url") || location.href
        }).catch(function () { /* closed by the reader, or not allowed: nothing to report */ });
      });
    });

    // 微信 / 手机版 panels: close on Escape or a click elsewhere.
    var panels = document.querySelectorAll("details.js-share-panel");
    document.addEventListener("click", function (event) {
      panels.forEach(function (details) {
        if (details.open && !details.contains(event.target)) { details.open = false; }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      panels.forEach(function (details) {
        if (details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
    });
  });

  // --- #21 sharing: inside WeChat's own browser the page is shared from its ··· menu, so the 微信
  // panel says so instead of "copy the link and paste it in WeChat".
  document.addEventListener("DOMContentLoaded", function () {
    if (!/MicroMessenger/i.test(navigator.userAgent)) { return; }
    document.querySelectorAll(".js-wechat-outside").forEach(function (element) { element.hidden = true; });
    document.querySelectorAll(".js-wechat-inside").forEach(function (element) { element.hidden = false; });
  });
})();
