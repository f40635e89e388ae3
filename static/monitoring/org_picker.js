/* The organizations a collection asks, made quicker to pick: a search by name, «tick all» (of what
   the search shows), «untick all», «tick every organization of a kind», and the count ticked.
   Without this file the list is a plain list of checkboxes. */
(function () {
  "use strict";

  function fold(text) {
    return (text || "").toLocaleLowerCase("ru").replace(/ё/g, "е").replace(/\s+/g, " ").trim();
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, key) { return String(values[key]); });
  }

  function picker(root) {
    var tools = root.querySelector(".org-picker-tools");
    var search = root.querySelector("[data-org-search]");
    var count = root.querySelector("[data-org-count]");
    var items = Array.prototype.slice.call(root.querySelectorAll(".org-picker-item"));
    var groups = Array.prototype.slice.call(root.querySelectorAll(".org-picker-group"));
    if (!tools || !items.length) { return; }
    tools.hidden = false;
    root.querySelectorAll("button[data-org-pick='kind']").forEach(function (b) { b.hidden = false; });

    function box(item) { return item.querySelector("input[type='checkbox']"); }

    function visible(item) { return !item.hidden; }

    function update() {
      var chosen = items.filter(function (item) { return box(item).checked; }).length;
      var found = items.filter(visible).length;
      var text = format(count.dataset.template, { chosen: chosen, total: items.length });
      if (found !== items.length) { text += "; " + format(count.dataset.found, { found: found }); }
      count.textContent = text;
    }

    function filter() {
      var wanted = fold(search.value);
      items.forEach(function (item) {
        item.hidden = wanted !== "" && fold(item.textContent).indexOf(wanted) === -1;
      });
      groups.forEach(function (group) {
        group.hidden = !Array.prototype.some.call(group.querySelectorAll(".org-picker-item"), visible);
      });
      update();
    }

    function tick(list, checked) {
      list.forEach(function (item) {
        var input = box(item);
        if (!input.disabled) { input.checked = checked; }
      });
      update();
    }

    root.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-org-pick]");
      if (!button) { return; }
      event.preventDefault();
      var how = button.dataset.orgPick;
      if (how === "all") { tick(items.filter(visible), true); }
      else if (how === "none") { tick(items, false); }
      else if (how === "kind") {
        tick(items.filter(function (item) { return item.dataset.kind === button.dataset.kind; }), true);
      }
    });
    root.addEventListener("change", update);
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // Enter in the search does not send the form
    });
    update();
  }

  document.querySelectorAll("[data-org-picker]").forEach(picker);
})();
