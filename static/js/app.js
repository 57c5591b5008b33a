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
