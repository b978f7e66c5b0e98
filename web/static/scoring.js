// Running total, star preview and the list of unscored criteria while someone scores.
// No scoring rule lives here: on each change the radios are posted to the engine's
// preview (POST …/score/preview, nothing saved) and its answer is shown as it comes.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form || !form.dataset.previewUrl) return;
  var out = {
    total: document.getElementById("live-total"),
    stars: document.getElementById("live-stars"),
    note: document.getElementById("live-note"),
    answered: document.getElementById("live-answered"),
    todo: document.getElementById("todo-list"),
    todoCount: document.getElementById("todo-count"),
    todoDone: document.getElementById("todo-done"),
  };
  var pending = null;

  function showTodo(items) {
    if (!out.todo) return;
    out.todo.replaceChildren.apply(out.todo, items.map(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#c-" + item.id;
      a.textContent = item.label;
      li.appendChild(a);
      return li;
    }));
    if (out.todoCount) out.todoCount.textContent = String(items.length);
    if (out.todoDone) out.todoDone.hidden = items.length > 0;
  }

  function show(data) {
    out.total.textContent = data.total;
    out.stars.textContent = data.stars;
    out.stars.setAttribute("aria-label", data.stars_label);
    if (out.answered) out.answered.textContent = data.answered;
    out.note.textContent = data.notes.length ? data.notes[data.notes.length - 1] : "";
    showTodo(data.todo);
  }

  function refresh() {
    if (pending) pending.abort();
    var mine = new AbortController();
    pending = mine;
    form.setAttribute("aria-busy", "true");
    fetch(form.dataset.previewUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin", signal: mine.signal,
      headers: { "Accept": "application/json" },
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) show(data);
    }).catch(function () { /* offline or aborted: the saved sheet is what counts */ }).finally(function () {
      if (pending === mine) form.removeAttribute("aria-busy");
    });
  }

  form.addEventListener("change", refresh);
  refresh();
})();
