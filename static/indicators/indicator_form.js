/* indicators/indicator_form.html: the formula editor's list of data elements.
   The list shows the elements by their names; typing filters it by name or code (case and «ё»
   ignored); pressing an element inserts its code into the formula field the cursor was last in
   (the numerator when none was), at the cursor, with spaces around it. Without JavaScript the
   list still names every element with its code beside it. */
(function () {
  "use strict";
  var list = document.getElementById("element-list");
  if (!list) return;
  var search = document.getElementById("element-search");
  var none = document.querySelector(".element-none");
  var fields = document.querySelectorAll("input.formula");
  var target = fields.length ? fields[0] : null;

  function fold(text) {
    return (text || "").toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").trim();
  }

  Array.prototype.forEach.call(fields, function (field) {
    field.addEventListener("focus", function () { target = field; });
  });

  if (search) {
    search.addEventListener("input", function () {
      var words = fold(search.value).split(" ").filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(list.children, function (item) {
        var text = fold(item.dataset.search);
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        item.hidden = !match;
        if (match) shown += 1;
      });
      if (none) none.hidden = shown !== 0;
    });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.element-pick");
    if (!button || !target) return;
    var code = button.dataset.code;
    var value = target.value;
    var start = typeof target.selectionStart === "number" ? target.selectionStart : value.length;
    var end = typeof target.selectionEnd === "number" ? target.selectionEnd : value.length;
    var before = value.slice(0, start);
    var after = value.slice(end);
    var left = before && !/[\s(]$/.test(before) ? " " : "";
    var right = after && !/^[\s)]/.test(after) ? " " : "";
    target.value = before + left + code + right + after;
    var caret = (before + left + code).length;
    target.focus();
    target.setSelectionRange(caret, caret);
    target.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
