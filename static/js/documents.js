// Department order page: while a document is being prepared in the background, fetch the
// page again every two seconds and show the documents part once nothing is pending.
(function () {
  "use strict";
  var section = document.getElementById("documents");
  if (!section || !section.hasAttribute("data-preparing") || !window.fetch || !window.DOMParser) { return; }
  var tries = 0;
  function check() {
    tries += 1;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("documents");
        if (fresh && !fresh.hasAttribute("data-preparing")) {
          section.innerHTML = fresh.innerHTML;
          section.removeAttribute("data-preparing");
          return;
        }
        if (tries < 60) { window.setTimeout(check, 2000); }
      })
      .catch(function () { if (tries < 60) { window.setTimeout(check, 2000); } });
  }
  window.setTimeout(check, 1500);
})();
