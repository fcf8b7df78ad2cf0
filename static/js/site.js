/* Small enhancements for pages that already work without JavaScript. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // This browser runs our scripts: nginx may give a logged-in resident the residents' copy of a
    // page (yzgz/pagecache.py, "the edge"), whose personal parts come from /page-parts/ below.
    if (window.fetch) {
      document.cookie = "yz_js=1; path=/; SameSite=Lax" + (window.location.protocol === "https:" ? "; Secure" : "");
    }
    var emptyTokens = document.querySelectorAll('input[name="csrfmiddlewaretoken"][value=""]');
    var csrfReady = Promise.resolve();
    var edgeMenu = document.getElementById("yz-user-menu");
    var PARTS_KEY = "yzgz:page-parts";
    if (!edgeMenu) {
      // A page the app servers made for this reader: anything kept from an earlier one may be stale.
      storeParts(null);
    } else if (window.fetch) {
      // The residents' copy: this resident's menu, token and pressed buttons. A page with nothing
      // else of theirs (data-page="0") reuses the menu and token fetched within the last minute. A
      // page that should be theirs alone (banned, a comment waiting) is loaded again, once.
      var here = window.location.pathname + window.location.search;
      var kept = edgeMenu.getAttribute("data-page") === "0" ? storedParts() : null;
      csrfReady = (kept ? Promise.resolve(kept) : fetch(edgeMenu.getAttribute("data-parts") + "?path=" + encodeURIComponent(here), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) { return response.json(); }))
        .then(function (body) {
          if (body.own) {
            storeParts(null);
            var reloaded = null;
            try { reloaded = window.sessionStorage.getItem("yzgz:own-page"); } catch (error) { /* private mode */ }
            if (reloaded !== here) {
              try { window.sessionStorage.setItem("yzgz:own-page", here); } catch (error) { /* private mode */ }
              window.location.reload();
              return;
            }
          } else {
            try { window.sessionStorage.removeItem("yzgz:own-page"); } catch (error) { /* private mode */ }
          }
          if (body.reuse && !kept) { storeParts({ menu: body.menu, token: body.token, set: [], until: Date.now() + body.reuse * 1000 }); }
          if (body.menu) { edgeMenu.outerHTML = body.menu; }
          if (body.token) { emptyTokens.forEach(function (input) { input.value = body.token; }); }
          (body.set || []).forEach(function (part) {
            document.querySelectorAll(part[0]).forEach(function (element) {
              Object.keys(part[1]).forEach(function (name) { element.setAttribute(name, part[1][name]); });
            });
          });
        })
        .catch(function () {});
    }
    // Whatever a resident sends may change their menu (消息, logging out): nothing kept survives it.
    document.addEventListener("submit", function () { storeParts(null); }, true);

    function storedParts() {
      try {
        var parts = JSON.parse(window.sessionStorage.getItem(PARTS_KEY) || "null");
        return parts && parts.until > Date.now() ? parts : null;
      } catch (error) { return null; }
    }

    function storeParts(parts) {
      try {
        if (parts) { window.sessionStorage.setItem(PARTS_KEY, JSON.stringify(parts)); }
        else { window.sessionStorage.removeItem(PARTS_KEY); }
      } catch (error) { /* storage disabled: every page asks */ }
    }
    // A page nginx served to every anonymous reader at once has empty CSRF fields: fill them
    // with this reader's own token (the request also sets their CSRF cookie). A form sent
    // before the token arrives waits for it.
    if (!edgeMenu && emptyTokens.length && window.fetch) {
      csrfReady = fetch("/csrf/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) { emptyTokens.forEach(function (input) { input.value = body.token; }); })
        .catch(function () {});
    }
    if (emptyTokens.length && window.fetch) {
      document.querySelectorAll("form:not(.js-reactions):not(.js-favourite):not(.js-like)").forEach(function (form) {
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

    // --- #21 收藏: keep or forget an article without leaving the page (the form posts without JS).
    document.querySelectorAll("form.js-favourite").forEach(function (form) {
      var button = form.querySelector("button.favourite");
      var status = form.querySelector(".favourite-form__status");
      if (!button || !window.fetch) { return; }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        csrfReady.then(function () {
          var data = new FormData(form);
          data.set("favourite", button.value);
          return fetch(form.action, {
            method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
          });
        }).then(function (response) {
          return response.json().then(function (body) { return { status: response.status, body: body }; });
        }).then(function (result) {
          if (result.status === 401 && result.body.login) { window.location.href = result.body.login; return; }
          if (result.status !== 200) { status.textContent = result.body.error || form.getAttribute("data-error"); return; }
          var on = Boolean(result.body.favourite);
          button.setAttribute("aria-pressed", String(on));
          button.value = on ? "off" : "on";
          status.textContent = "";
        }).catch(function () { status.textContent = form.getAttribute("data-error") || "!"; });
      });
    });

    // --- #21 comment likes (点赞): like or take back a like without leaving the page (the form
    // posts and comes back to the comment without JS). A comment among 热门评论 has a second
    // button: both show the new state and count.
    var commentsSection = document.getElementById("comments");
    var commentsStatus = document.querySelector(".js-comments-status");
    document.querySelectorAll("form.js-like").forEach(function (form) {
      var button = form.querySelector("button.like");
      if (!button || !window.fetch) { return; }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (button.getAttribute("aria-busy") === "true") { return; }
        button.setAttribute("aria-busy", "true");
        csrfReady.then(function () {
          return fetch(form.action, {
            method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" }
          });
        }).then(function (response) {
          return response.json().then(function (body) { return { status: response.status, body: body }; });
        }).then(function (result) {
          if (result.status === 401 && result.body.login) { window.location.href = result.body.login; return; }
          if (result.status !== 200) { likeMessage(form, result.body.error); return; }
          likeMessage(form, "");
          var id = button.getAttribute("data-comment");
          document.querySelectorAll('button.like[data-comment="' + id + '"]').forEach(function (other) {
            other.setAttribute("aria-pressed", String(Boolean(result.body.liked)));
            var count = other.querySelector(".like__count");
            if (count) { count.textContent = result.body.count; }
          });
        }).catch(function () {
          likeMessage(form, commentsSection ? commentsSection.getAttribute("data-like-error") : "!");
        }).then(function () { button.removeAttribute("aria-busy"); });
      });
    });

    // A refusal (your own comment, too fast, banned) beside the button and for screen readers.
    function likeMessage(form, text) {
      var note = form.querySelector(".like__message");
      if (!note && text) {
        note = document.createElement("span");
        note.className = "like__message";
        form.appendChild(note);
      }
      if (note) { note.textContent = text || ""; }
      if (commentsStatus && text) { commentsStatus.textContent = text; }
    }

    // --- #21 relative times (刚刚, 3分钟前, 昨天 12:30): pages come from caches, so the words the
    // server wrote may be old; rewrite them from each <time datetime> on load and every minute,
    // with the words in #relative-time-strings (news.comments.templatetags.comment_list).
    var relativeWords = document.getElementById("relative-time-strings");
    if (relativeWords) {
      var words = JSON.parse(relativeWords.textContent);
      var refreshTimes = function () {
        document.querySelectorAll("time[data-relative]").forEach(function (time) {
          var text = relativeTime(time.getAttribute("datetime"), words);
          if (text) { time.textContent = text; }
        });
      };
      refreshTimes();
      window.setInterval(refreshTimes, 60000);
    }

    // The same rules as relative_time() in Python, on the site's wall clock: the offset written in
    // the datetime (+08:00) turns both moments into site-local fields read with the UTC getters.
    function relativeTime(iso, words) {
      var zone = /([+-])(\d\d):(\d\d)$/.exec(iso || "");
      var then = Date.parse(iso);
      if (!zone || isNaN(then)) { return null; }
      var offset = (zone[1] === "-" ? -1 : 1) * (parseInt(zone[2], 10) * 60 + parseInt(zone[3], 10)) * 60000;
      var now = Date.now();
      var seconds = (now - then) / 1000;
      if (seconds < 60) { return words.now; }
      if (seconds < 3600) { return counted(words.minute, Math.floor(seconds / 60)); }
      if (seconds < 86400) { return counted(words.hour, Math.floor(seconds / 3600)); }
      var local = new Date(then + offset), today = new Date(now + offset);
      var clock = pad(local.getUTCHours()) + ":" + pad(local.getUTCMinutes());
      var days = (dayNumber(today) - dayNumber(local));
      var fields = { time: clock, year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
      if (days === 1) { return fill(words.yesterday, fields); }
      if (local.getUTCFullYear() === today.getUTCFullYear()) { return fill(words.monthDay, fields); }
      return fill(words.date, fields);
    }
    function dayNumber(date) {
      return Math.round(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) / 86400000);
    }
    function counted(forms, n) { return fill(n === 1 ? forms[0] : forms[1], { n: n }); }
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function fill(template, values) {
      return template.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
    }
    // --- end #21 comment likes and relative times

    // Close an open dropdown when clicking elsewhere.
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
        if (!details.contains(event.target)) { details.open = false; }
      });
    });
  });
})();

// --- #21 phone navigation: the category bar keeps the current category in view and tells the
// CSS which edges have more categories (.catnav[data-more], a fade and an arrow in site.css).
(function () {
  "use strict";

  function mark(nav, list) {
    var more = [];
    if (list.scrollLeft > 1) { more.push("left"); }
    if (list.scrollLeft + list.clientWidth < list.scrollWidth - 1) { more.push("right"); }
    nav.setAttribute("data-more", more.join(" ") || "none");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.querySelector(".catnav");
    var list = nav && nav.querySelector(".catnav__list");
    if (!list) { return; }
    var current = list.querySelector('[aria-current="page"]');
    if (current && list.scrollWidth > list.clientWidth) {
      // Centre it by scrolling the bar alone (scrollIntoView could move the page too).
      var item = current.parentElement;
      list.scrollLeft = item.offsetLeft - list.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
    }
    mark(nav, list);
    list.addEventListener("scroll", function () { mark(nav, list); }, { passive: true });
    window.addEventListener("resize", function () { mark(nav, list); });
  });
})();
// --- end #21 phone navigation

// --- #20 图集: the buttons and the arrow keys step one picture; swiping is the browser's own
// scroll snap. The status ("2 / 9") follows whichever picture is in view.
(function () {
  "use strict";

  function setUp(gallery) {
    var track = gallery.querySelector(".gallery__track");
    var slides = gallery.querySelectorAll(".gallery__slide");
    var controls = gallery.querySelector(".gallery__controls");
    if (!track || !controls || slides.length < 2) { return; }
    var status = controls.querySelector(".gallery__status");
    var previous = controls.querySelector('[data-step="-1"]');
    var next = controls.querySelector('[data-step="1"]');
    var current = 0;

    function show(index) {
      current = Math.max(0, Math.min(slides.length - 1, index));
      status.textContent = (current + 1) + " / " + slides.length;
      previous.disabled = current === 0;
      next.disabled = current === slides.length - 1;
    }
    function go(index) {
      index = Math.max(0, Math.min(slides.length - 1, index));
      track.scrollTo({ left: slides[index].offsetLeft - track.offsetLeft, behavior: "smooth" });
      show(index);
    }
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("[data-step]");
      if (button) { go(current + Number(button.getAttribute("data-step"))); }
    });
    track.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { go(current + 1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { go(current - 1); event.preventDefault(); }
      if (event.key === "Home") { go(0); event.preventDefault(); }
      if (event.key === "End") { go(slides.length - 1); event.preventDefault(); }
    });
    var settle = null;
    track.addEventListener("scroll", function () {
      window.clearTimeout(settle);
      settle = window.setTimeout(function () {
        show(Math.round(track.scrollLeft / Math.max(1, track.clientWidth)));
      }, 80);
    }, { passive: true });
    show(0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-gallery]"), setUp);
  });
})();
// --- end #20 图集
