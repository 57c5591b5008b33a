/* Every page: confirmations of irreversible actions, the phone menu, the organisation picker.
   No inline script: works under the CSP without 'unsafe-inline'. */
(function () {
  "use strict";

  // <form data-confirm="… {field} …">: ask before submitting; {name} is the value of the form's
  // field of that name (a select's chosen label), so the question says what will be written.
  function fieldText(form, name) {
    var el = form.elements[name];
    if (!el) { return ""; }
    if (el.tagName === "SELECT") { return el.selectedIndex >= 0 && el.value ? el.options[el.selectedIndex].text : ""; }
    return (el.value || "").trim();
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-confirm]")) { return; }
    var message = form.getAttribute("data-confirm").replace(/\{([\w-]+)\}/g, function (_, name) {
      return fieldText(form, name) || "(chưa ghi)";
    });
    if (!window.confirm(message)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

  // The top menu on a phone: one button opens and closes it.
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest("[data-menu-toggle]");
    if (!toggle) { return; }
    e.preventDefault();  // the link's #site-menu is for a browser without this script
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (menu) { menu.classList.toggle("open", open); }
  });
})();

/* The organisation picker: <div class="picker" data-picker-url="/orgs/pick/?kinds=cell"
   data-picker-go="?org={code}" or data-picker-field="move-to_cell">, holding an
   <input type="search">. Typing (with or without diacritics) lists the matches with their
   grassroots organisation; choosing one goes to the page for it or fills the hidden field. */
(function () {
  "use strict";
  var timer = null;

  function choose(picker, item) {
    var go = picker.getAttribute("data-picker-go");
    if (go) {
      var target = go.replace("{code}", encodeURIComponent(item.code));
      if (target.charAt(0) === "?") {
        var params = new URLSearchParams(window.location.search);
        params.set(picker.getAttribute("data-picker-param") || "org", item.code);
        params.delete("page");
        target = "?" + params.toString();
      }
      window.location.assign(target);
      return;
    }
    var field = picker.querySelector("input[type=hidden]");
    if (field) { field.value = item.code; }
    picker.querySelector("input[type=search]").value = item.label;
    var chosen = picker.querySelector(".picker-chosen");
    if (chosen) { chosen.textContent = "Đã chọn: " + item.label + " (" + item.code + ")"; }
    picker.querySelector(".picker-results").innerHTML = "";
  }

  function show(picker, data) {
    var list = picker.querySelector(".picker-results");
    list.innerHTML = "";
    if (!data.results.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "Không tìm thấy tổ chức nào.";
      list.appendChild(none);
    }
    data.results.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "linklike";
      button.textContent = item.label;
      button.setAttribute("data-code", item.code);
      button.addEventListener("click", function () { choose(picker, item); });
      li.appendChild(button);
      var code = document.createElement("span");
      code.className = "muted small";
      code.textContent = " " + item.code;
      li.appendChild(code);
      list.appendChild(li);
    });
  }

  function search(picker, text) {
    var url = picker.getAttribute("data-picker-url");
    url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { show(picker, data); });
  }

  document.addEventListener("input", function (e) {
    var input = e.target;
    var picker = input.closest && input.closest(".picker");
    if (!picker || input.type !== "search") { return; }
    window.clearTimeout(timer);
    var text = input.value.trim();
    if (text.length < 2) { picker.querySelector(".picker-results").innerHTML = ""; return; }
    timer = window.setTimeout(function () { search(picker, text); }, 250);
  });

  // <input type="search" data-filter-select="ID">: narrows a long select (the helpers, the
  // introducers) to the options whose text matches, with or without diacritics.
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }
  document.addEventListener("input", function (e) {
    var input = e.target, id = input.getAttribute && input.getAttribute("data-filter-select");
    if (!id) { return; }
    var select = document.getElementById(id), wanted = fold(input.value), first = null;
    if (!select) { return; }
    Array.prototype.forEach.call(select.options, function (option) {
      var keep = !option.value || fold(option.text).indexOf(wanted) >= 0;
      option.hidden = !keep;
      if (keep && option.value && first === null) { first = option; }
    });
    if (first && wanted && select.selectedOptions.length && select.selectedOptions[0].hidden) { select.value = first.value; }
  });
})();
