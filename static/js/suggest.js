// Search as you type on the catalogue's search boxes (ARIA 1.2 combobox with a listbox).
// Without JavaScript the box is an ordinary search form. Suggestions are built with
// textContent only: nothing from the server is read as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script && script.dataset.endpoint;
  if (!endpoint || !window.fetch) { return; }
  var DELAY = 150;
  var MIN_CHARS = 2;
  var counter = 0;

  function setup(input) {
    var form = input.form;
    if (!form || input.dataset.suggestReady) { return; }
    input.dataset.suggestReady = "1";
    counter += 1;
    var listId = "suggest-list-" + counter;
    var list = document.createElement("div");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", script.dataset.label || "");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.classList.add("suggest-host");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var timer = null;
    var controller = null;
    var options = [];
    var active = -1;
    var lastQuery = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        option.classList.toggle("active", i === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(option) {
      window.location.href = option.dataset.url;
    }

    function render(data) {
      list.textContent = "";
      options = [];
      active = -1;
      var n = 0;
      (data.groups || []).forEach(function (group, g) {
        var box = document.createElement("div");
        box.setAttribute("role", "group");
        var headingId = listId + "-g" + g;
        box.setAttribute("aria-labelledby", headingId);
        var heading = document.createElement("div");
        heading.id = headingId;
        heading.className = "suggest-heading";
        heading.setAttribute("role", "presentation");
        heading.textContent = group.label;
        box.appendChild(heading);
        group.items.forEach(function (item) {
          var option = document.createElement("div");
          option.id = listId + "-o" + n;
          n += 1;
          option.className = "suggest-option";
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.dataset.url = item.url;
          var label = document.createElement("span");
          label.textContent = item.label;
          option.appendChild(label);
          if (item.detail) {
            var detail = document.createElement("span");
            detail.className = "suggest-detail";
            detail.textContent = " " + item.detail;
            option.appendChild(detail);
          }
          // mousedown, not click: the input must not lose focus (and close the list) first.
          option.addEventListener("mousedown", function (event) { event.preventDefault(); go(option); });
          box.appendChild(option);
          options.push(option);
        });
        list.appendChild(box);
      });
      status.textContent = data.status || "";
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function fetchNow() {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.length < MIN_CHARS) { render({ groups: [], status: "" }); return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(endpoint + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (input.value.trim() === query) { render(data); }
      }).catch(function () { /* offline, rate limited or aborted: the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchNow, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        if (!open) { lastQuery = null; fetchNow(); return; }
        event.preventDefault();
        highlight(active + 1 >= options.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active - 1 < 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); go(options[active]); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else if (input.value) { input.value = ""; lastQuery = null; }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("form[role=search] input[type=search][name=q]").forEach(setup);
})();
