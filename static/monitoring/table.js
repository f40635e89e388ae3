/* Table questions on the entry page (templates/monitoring/entry/_table.html): live row, column and grand
   totals, a row or column marked «не применимо» disables and empties its cells, and each cell is checked
   as a number within the question's limits as it is typed. The totals follow monitoring/tables.py: a
   row, a column or the table has a total only once every cell of it is filled or «не применимо».
   Saving is entry.js's: the cells and marks are ordinary inputs of the page's form. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "ru";
  var format = window.Intl ? new Intl.NumberFormat(lang, { maximumFractionDigits: 4 }) : null;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)[sd]/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function show(number) {
    var rounded = Math.round(number * 10000) / 10000;
    return format ? format.format(rounded) : String(rounded);
  }

  // A number as people type it («1 234,5», «−3»); NaN when it is none, null when empty.
  function parse(raw) {
    var text = String(raw || "").replace(/[\s\u00a0\u202f']/g, "").replace(/,/g, ".").replace(/[\u2212\u2013\u2014]/g, "-");
    if (!text) return null;
    if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return NaN;
    return parseFloat(text);
  }

  function problem(table, number) {
    var texts = (window.mcokEntryTexts || {});
    if (number === null) return "";
    if (isNaN(number)) return table.dataset.msgNumber || texts.number || "";
    if (table.dataset.whole && Math.floor(number) !== number) return table.dataset.msgWhole || texts.whole || "";
    if (table.dataset.min !== "" && table.dataset.min !== undefined && number < parseFloat(table.dataset.min)) return table.dataset.msgMin;
    if (table.dataset.max !== "" && table.dataset.max !== undefined && number > parseFloat(table.dataset.max)) return table.dataset.msgMax;
    return "";
  }

  function marked(table, axis, key) {
    var box = table.querySelector("input[data-na-" + axis + "='" + key + "']");
    return !!(box && box.checked);
  }

  // Sum of the cells given, or null unless every one is filled or «не применимо» (and one has a value).
  function sum(cells) {
    var total = 0, filled = 0, any = false;
    cells.forEach(function (input) {
      if (input.disabled) { filled += 1; return; }
      var number = parse(input.value);
      if (number === null || isNaN(number)) return;
      filled += 1;
      total += number;
      any = true;
    });
    return { value: filled === cells.length && any ? total : null, filled: filled, expected: cells.length };
  }

  function refresh(table) {
    var code = table.dataset.table;
    var inputs = Array.prototype.slice.call(table.querySelectorAll("input.table-cell"));
    var errors = [];
    inputs.forEach(function (input) {
      var row = input.dataset.row;
      var column = input.closest("td").dataset.column;
      var off = marked(table, "row", row) || marked(table, "column", column);
      if (off && !input.disabled) input.value = "";
      input.disabled = off;
      var message = off ? "" : problem(table, parse(input.value));
      if (message) {
        input.setAttribute("aria-invalid", "true");
        errors.push(input.getAttribute("aria-label") + ": " + message);
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
    each(table.querySelectorAll("tbody tr[data-row]"), function (tr) {
      tr.classList.toggle("is-na", marked(table, "row", tr.dataset.row));
      var cell = table.querySelector("[data-row-total='" + tr.dataset.row + "']");
      if (cell) {
        var result = sum(inputs.filter(function (input) { return input.dataset.row === tr.dataset.row; }));
        cell.textContent = result.value === null ? "—" : show(result.value);
      }
    });
    each(table.querySelectorAll("[data-column-total]"), function (cell) {
      var key = cell.dataset.columnTotal;
      var result = sum(inputs.filter(function (input) { return input.closest("td").dataset.column === key; }));
      cell.textContent = result.value === null ? "—" : show(result.value);
    });
    var all = sum(inputs);
    var grand = table.querySelector("[data-grand-total]");
    if (grand) grand.textContent = all.value === null ? "—" : show(all.value);
    var note = document.getElementById("t-" + code);
    if (note) {
      if (all.value !== null) note.textContent = fmt(table.dataset.msgTotal, { total: show(all.value) });
      else if (all.filled === all.expected) note.textContent = table.dataset.msgAllNa;
      else note.textContent = fmt(table.dataset.msgProgress, { filled: all.filled, expected: all.expected });
    }
    var box = document.getElementById("te-" + code);
    if (box) {
      box.textContent = "";
      errors.forEach(function (message) {
        var p = document.createElement("p");
        p.textContent = message;
        box.appendChild(p);
      });
    }
  }

  function setUp(table) {
    table.addEventListener("input", function () { refresh(table); });
    table.addEventListener("change", function () { refresh(table); });
    var question = table.closest(".question") || table;
    question.addEventListener("table:refresh", function () { refresh(table); });
    refresh(table);
  }

  function start() {
    var config = document.getElementById("entry-config");
    if (config) {
      try { window.mcokEntryTexts = JSON.parse(config.textContent).texts; } catch (error) { /* defaults */ }
    }
    each(document.querySelectorAll("table[data-table]"), setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
