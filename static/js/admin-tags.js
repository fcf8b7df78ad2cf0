/* Tag suggestions for the article form: completes the last comma-separated tag
   from the tags already on the site. The plain text input works without it. */
(function () {
  "use strict";
  function setup(input) {
    var url = input.getAttribute("data-suggest-url");
    var listId = input.id + "-suggestions";
    var list = document.createElement("datalist");
    list.id = listId;
    input.parentNode.appendChild(list);
    input.setAttribute("list", listId);
    var timer = null;
    var lastTerm = "";
    function parts() {
      return input.value.split(/[,，]/);
    }
    input.addEventListener("input", function () {
      var all = parts();
      var term = all[all.length - 1].trim();
      if (!term || term === lastTerm) { return; }
      lastTerm = term;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(term), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            var prefix = all.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
            list.textContent = "";
            data.results.forEach(function (name) {
              var option = document.createElement("option");
              option.value = prefix.concat([name]).join(", ");
              list.appendChild(option);
            });
          });
      }, 150);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.yz-tag-input[data-suggest-url]").forEach(setup);
  });
})();
