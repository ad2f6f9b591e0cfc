// yidi pages: a little progressive enhancement. Every form also works without this file.
(function () {
  "use strict";
  // Validation as you type: forms marked data-validate post their fields (debounced) to that URL and show
  // the problems the server's own validation finds next to each field (the same codes as on submit).
  function debounce(fn, ms) { var h; return function () { clearTimeout(h); var a = arguments; h = setTimeout(function () { fn.apply(null, a); }, ms); }; }
  function show(form, problems, touched) {
    form.querySelectorAll(".live[data-for]").forEach(function (box) {
      var name = box.getAttribute("data-for");
      if (!touched[name]) return;
      var ps = problems[name] || [];
      var input = form.querySelector("[name='" + name + "']");
      box.innerHTML = "";
      ps.forEach(function (p) {
        var el = document.createElement("p");
        el.className = "err"; el.id = "err-" + name;
        el.setAttribute("data-code", p.code);  // the code for scripts and staff; people read the message
        el.textContent = p.message;
        box.appendChild(el);
      });
      if (input) {
        if (ps.length) { input.setAttribute("aria-invalid", "true"); input.closest(".field") && input.closest(".field").classList.add("bad"); }
        else { input.removeAttribute("aria-invalid"); input.closest(".field") && input.closest(".field").classList.remove("bad"); }
      }
    });
  }
  document.querySelectorAll("form[data-validate]").forEach(function (form) {
    var url = form.getAttribute("data-validate"); var touched = {};
    var run = debounce(function () {
      fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) { show(form, j.problems || {}, touched); })
        .catch(function () { /* offline: the server checks again on submit */ });
    }, 350);
    form.addEventListener("input", function (e) { if (e.target.name) { touched[e.target.name] = true; run(); } });
    form.addEventListener("change", function (e) { if (e.target.name) { touched[e.target.name] = true; run(); } });
  });
  // Put keyboard focus on the error summary so screen readers announce it after a failed submit.
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
  // Confirm irreversible actions (revoke, reject, cancel); without JS the separate reason field is the check.
  // a page that shows a short-lived code fetches a new one every data-refresh seconds (a meta refresh is an
  // accessibility failure: axe meta-refresh); without JS the page's own "换一个码" link does the same
  document.querySelectorAll("[data-refresh]").forEach(function (el) {
    var secs = parseInt(el.getAttribute("data-refresh"), 10);
    if (secs > 0) setTimeout(function () { window.location.reload(); }, secs * 1000);
  });
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (e) { if (!window.confirm(el.getAttribute("data-confirm"))) e.preventDefault(); });
  });
})();
