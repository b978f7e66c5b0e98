// Running total and star preview while a council member scores.
// It mirrors the server's rules (engine/scoring.py) for feedback only; the
// server's result, shown after saving, is the one that counts.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  var dataNode = document.getElementById("scoring-rules");
  if (!form || !dataNode) return;
  var rules = JSON.parse(dataNode.textContent);
  var out = {
    total: document.getElementById("live-total"),
    stars: document.getElementById("live-stars"),
    note: document.getElementById("live-note"),
    answered: document.getElementById("live-answered"),
  };

  function chosen(criterion) {
    var input = form.querySelector('input[name="c.' + CSS.escape(criterion.id) + '"]:checked');
    if (!input) {
      return criterion.fixed ? criterion.options.find(function (o) { return o.id === criterion.fixed; }) : null;
    }
    return criterion.options.find(function (o) { return o.id === input.value; }) || null;
  }
  function ticked(flagId) {
    var box = form.querySelector('input[name="flag"][value="' + CSS.escape(flagId) + '"]');
    return !!(box && box.checked);
  }
  function bandStars(total) {
    var stars = 0;
    rules.bands.forEach(function (b) {
      if (total >= b.min && (b.below === null || total < b.below)) stars = b.stars;
    });
    return stars;
  }
  function update() {
    var points = {}, answered = 0, knocked = null, stopped = null;
    rules.criteria.forEach(function (c) {
      points[c.id] = 0;
      if (stopped) return;
      if (c.gate && ticked(c.gate)) { stopped = c.id; return; }
      (c.knockouts || []).forEach(function (k) { if (ticked(k)) knocked = c.id; });
      var o = chosen(c);
      if (!o) return;
      answered += 1;
      points[c.id] = o.points;
      if (o.knockout) knocked = c.id;
    });
    var total = 0;
    rules.criteria.forEach(function (c) { total += points[c.id]; });
    total = Math.round(total * 1e6) / 1e6;
    var band = bandStars(total), stars = band, capBy = null;
    rules.criteria.forEach(function (c) {
      c.options.forEach(function (f) {
        if (f.floor && f.floor <= band && points[c.id] < f.points && f.floor - 1 < stars) {
          stars = f.floor - 1; capBy = c.id;
        }
      });
    });
    var rejected = rules.rejection.some(ticked);
    var notes = [];
    if (capBy !== null) notes.push(rules.text.capped.replace("%s", capBy).replace("%d", String(stars)));
    if (stopped) notes.push(rules.text.stopped.replace("%s", stopped));
    if (rejected) { stars = 0; notes.push(rules.text.rejected); }
    else if (knocked) { stars = 0; notes.push(rules.text.knocked.replace("%s", knocked)); }
    out.total.textContent = total.toLocaleString(document.documentElement.lang) + " / " + rules.max;
    out.stars.textContent = stars > 0 ? "★".repeat(stars) : "—";
    out.stars.setAttribute("aria-label", String(stars));
    out.note.textContent = notes.join(" ");
    out.answered.textContent = answered + " / " + rules.criteria.length;
  }
  form.addEventListener("change", update);
  update();
})();
