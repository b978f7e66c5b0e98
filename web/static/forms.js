// Show and hide form fields as the person answers: the server evaluates each field's
// `visible_when` rule (sandboxed, from the YAML) on what has been typed so far.
(function () {
  "use strict";
  document.querySelectorAll("form[data-visibility-url]").forEach(function (form) {
    var pending = null;
    function refresh() {
      if (pending) pending.abort();
      var mine = new AbortController();
      pending = mine;
      // aria-busy tells assistive technology (and the browser tests) that fields may still appear or hide.
      form.setAttribute("aria-busy", "true");
      fetch(form.dataset.visibilityUrl, {
        method: "POST", body: new FormData(form), credentials: "same-origin", signal: mine.signal,
        headers: { "Accept": "application/json" },
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) return;
        Object.keys(data.visible).forEach(function (id) {
          var box = form.querySelector('[data-field="' + CSS.escape(id) + '"]');
          if (box) box.hidden = !data.visible[id];
        });
        // The documents these answers require, before anything is saved (computed by the server).
        var list = form.querySelector("[data-uploads]");
        if (list && data.uploads) {
          list.textContent = "";
          data.uploads.forEach(function (u) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = "#" + u.anchor;
            link.textContent = u.label;
            item.appendChild(link);
            list.appendChild(item);
          });
          list.closest("[data-uploads-box]").hidden = data.uploads.length === 0;
        }
      }).catch(function () { /* offline or aborted: the server re-checks on save */ }).finally(function () {
        if (pending === mine) form.removeAttribute("aria-busy");
      });
    }
    form.addEventListener("change", refresh);
  });
})();
