/* #21 sharing: the share card of a page opened inside WeChat (its browser says "MicroMessenger").
   Rendered only when the site has a WeChat AppID and AppSecret. Elsewhere it does nothing and
   WeChat's JS-SDK is never loaded. Inside WeChat it asks our server to sign this page's address
   (/wechat/jssdk/), loads the JS-SDK, and hands it the card: the page's og:title,
   og:description, og:url and og:image. Any failure leaves WeChat's own default card. */
(function () {
  "use strict";

  if (!/MicroMessenger/i.test(navigator.userAgent)) { return; }
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }

  function meta(property) {
    var element = document.querySelector('meta[property="' + property + '"]');
    return element ? element.getAttribute("content") : "";
  }

  function loadSdk(src) {
    return new Promise(function (resolve, reject) {
      if (window.wx) { resolve(window.wx); return; }
      var sdk = document.createElement("script");
      sdk.src = src;
      sdk.onload = function () { return window.wx ? resolve(window.wx) : reject(new Error("no wx")); };
      sdk.onerror = reject;
      document.head.appendChild(sdk);
    });
  }

  var page = location.href.split("#")[0];
  var card = {
    title: meta("og:title") || document.title,
    desc: meta("og:description"),
    link: meta("og:url") || page,
    imgUrl: meta("og:image")
  };
  var endpoint = script.getAttribute("data-endpoint") + "?url=" + encodeURIComponent(page);

  fetch(endpoint, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(new Error(response.status)); })
    .then(function (config) {
      return loadSdk(script.getAttribute("data-sdk")).then(function (wx) {
        wx.config({
          debug: false,
          appId: config.appId,
          timestamp: config.timestamp,
          nonceStr: config.nonceStr,
          signature: config.signature,
          jsApiList: (script.getAttribute("data-apis") || "").split(" ")
        });
        wx.ready(function () {
          wx.updateAppMessageShareData(card);  // 分享给朋友: title, summary, link, picture
          wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });  // 朋友圈
        });
      });
    })
    .catch(function () { /* unsigned or offline: WeChat shows its default card */ });
})();
