/*
 * Evaluation entry (admin): show the total and the stars while the scores are typed.
 *
 * Progressive enhancement only: the form works without it, and the database computes the
 * stored total and stars on save. The rule sets, part maxima and star bands come from
 * evaluations/rules.py through the page's <script id="evaluation-rules"> (json_script);
 * no threshold is written here.
 */
(function () {
  "use strict";

  function readRules() {
    var node = document.getElementById("evaluation-rules");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function parseDay(text) {
    var m;
    text = (text || "").trim();
    if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text))) { return [+m[1], +m[2], +m[3]]; }
    if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text))) { return [+m[3], +m[2], +m[1]]; }
    return null;
  }

  function isoOf(day) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return day[0] + "-" + pad(day[1]) + "-" + pad(day[2]);
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function init() {
    var rules = readRules();
    var field = function (name) { return document.getElementById("id_" + name); };
    var inputs = { a: field("score_a"), b: field("score_b"), c: field("score_c") };
    if (!rules || !inputs.a || !inputs.b || !inputs.c) { return; }
    var ruleSet = field("rule_set"), evaluatedOn = field("evaluated_on"), level = field("level"),
        notRated = field("not_rated");

    var output = document.createElement("div");
    output.className = "evaluation-live-total";
    output.id = "evaluation-live-total";
    output.setAttribute("role", "status");
    output.setAttribute("aria-live", "polite");
    var row = inputs.c.closest(".form-row") || inputs.c.parentNode;
    row.parentNode.insertBefore(output, row.nextSibling);

    function currentRuleSet() {
      if (ruleSet && ruleSet.value) { return ruleSet.value; }
      var day = evaluatedOn ? parseDay(evaluatedOn.value) : null;
      if (day && isoOf(day) < rules.rule148From) { return rules.ruleSet1048; }
      return rules.ruleSet148;
    }

    function starsFor(total) {
      for (var i = 0; i < rules.bands.length; i++) {
        if (total >= rules.bands[i][0] && total <= rules.bands[i][1]) { return rules.bands[i][2]; }
      }
      return null;
    }

    // The read-only "total" and "stars" rows show what is saved; while scores are typed they show the
    // same figures as the live summary, marked unsaved, so the page never says "-" beside "75 — 4 sao".
    function readonlyCell(name) {
      var cell = document.querySelector(".field-" + name + " .readonly");
      return cell ? { node: cell, saved: cell.textContent.trim() } : null;
    }
    var savedCells = { total: readonlyCell("total"), stars: readonlyCell("stars") };

    function showInRow(name, text) {
      var cell = savedCells[name];
      if (!cell) { return; }
      if (text === null || text === cell.saved) {
        cell.node.textContent = cell.saved;
        cell.node.classList.remove("unsaved");
        return;
      }
      cell.node.textContent = text + " (" + rules.labels.unsaved + ")";
      cell.node.classList.add("unsaved");
    }

    function update() {
      var set = currentRuleSet(), maxima = rules.maxima[set] || {}, warnings = [], total = 0, complete = true;
      ["a", "b", "c"].forEach(function (part) {
        var text = inputs[part].value.trim();
        if (text === "") { complete = false; return; }
        var value = Number(text);
        if (!Number.isInteger(value) || value < 0) { complete = false; return; }
        if (maxima[part] !== undefined && value > maxima[part]) {
          warnings.push(format(rules.labels.tooHigh, { part: part.toUpperCase(), max: maxima[part], rule_set: set }));
        }
        total += value;
      });
      output.textContent = "";
      showInRow("total", complete ? String(total) : null);
      if (notRated && notRated.checked) {
        output.hidden = false;
        output.textContent = rules.labels.notRated;
        showInRow("stars", rules.labels.notRatedShort);
        return;
      }
      if (!complete) { output.hidden = true; showInRow("stars", null); return; }
      output.hidden = false;
      var stars = starsFor(total);
      if (stars !== null && stars > rules.belowCentralMax && (!level || level.value !== rules.central)) {
        stars = rules.belowCentralMax;
        warnings.push(rules.labels.candidate);
      }
      showInRow("stars", stars === null ? null : String(stars));
      if (stars !== null && stars < rules.certifiedMin) { warnings.push(rules.labels.notCertified); }
      var summary = document.createElement("strong");
      summary.textContent = rules.labels.total + ": " + total + " " + rules.labels.points +
        (stars === null ? "" : " — " + rules.labels.stars + ": " + stars + " " + rules.labels.star);
      output.appendChild(summary);
      warnings.forEach(function (text) {
        var line = document.createElement("span");
        line.className = "warning";
        line.textContent = text;
        output.appendChild(line);
      });
    }

    [inputs.a, inputs.b, inputs.c, ruleSet, evaluatedOn, level, notRated].forEach(function (input) {
      if (input) {
        input.addEventListener("input", update);
        input.addEventListener("change", update);
      }
    });
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
