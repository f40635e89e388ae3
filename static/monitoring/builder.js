/* The form builder, made nicer: every page works without this file.
   - a question's page shows only the inputs of the chosen type, and of the chosen data-element binding;
   - the code field shows, as its placeholder, the code the server would make from the question;
   - a check's form shows the second question or the parts of a sum, as the kind needs, and offers
     only numeric questions for a check that compares numbers;
   - deleting asks for a confirmation. */
(function () {
  "use strict";

  // Hidden inputs still post; the server empties what does not fit the type anyway.
  function toggle(element, shown) {
    element.hidden = !shown;
  }

  function questionForm(form) {
    var kind = form.querySelector("select[name='kind']");
    if (kind) {
      var parts = form.querySelectorAll(".kind-part");
      var update = function () {
        parts.forEach(function (part) {
          toggle(part, part.dataset.kinds.split(" ").indexOf(kind.value) !== -1);
        });
      };
      form.querySelectorAll(".kind-note").forEach(function (note) { note.hidden = true; });
      kind.addEventListener("change", update);
      update();
    }

    var radios = form.querySelectorAll("input[name='binding']");
    if (radios.length) {
      var bindingParts = form.querySelectorAll(".binding-part");
      var updateBinding = function () {
        var chosen = form.querySelector("input[name='binding']:checked");
        var value = chosen ? chosen.value : "none";
        bindingParts.forEach(function (part) { toggle(part, part.dataset.binding === value); });
      };
      radios.forEach(function (radio) { radio.addEventListener("change", updateBinding); });
      updateBinding();
    }

    var label = form.querySelector("textarea[name='label']");
    var code = form.querySelector("input[name='code']");
    var url = form.dataset.suggestUrl;
    if (label && code && url && window.fetch) {
      var timer = null;
      var suggest = function () {
        if (code.value.trim()) { return; }
        var address = new URL(url, window.location.href);
        address.searchParams.set("label", label.value);
        fetch(address, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) { if (data) { code.placeholder = data.code || ""; } })
          .catch(function () {});
      };
      label.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(suggest, 400);
      });
      if (label.value.trim()) { suggest(); }
    }
  }

  function ruleForm(form) {
    var kind = form.querySelector("select[name='kind']");
    var right = form.querySelector(".rule-input-right");
    var parts = form.querySelector(".rule-input-parts");
    if (!kind || !right || !parts) { return; }
    var numeric = (form.dataset.numericCodes || "").split(" ");
    var selects = form.querySelectorAll("select[name='left'], select[name='right']");
    var update = function () {
      var sum = kind.value === "sum";
      var onlyNumbers = kind.value !== "both";
      toggle(right, !sum);
      toggle(parts, sum);
      selects.forEach(function (select) {
        Array.prototype.forEach.call(select.options, function (option) {
          var off = onlyNumbers && option.value !== "" && numeric.indexOf(option.value) === -1;
          option.disabled = off;
          option.hidden = off;
          if (off && option.selected) { select.value = ""; }
        });
        select.querySelectorAll("optgroup").forEach(function (group) {
          var shown = Array.prototype.some.call(group.children, function (o) { return !o.disabled; });
          group.hidden = !shown;
        });
      });
    };
    kind.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("form.question-form").forEach(questionForm);
  document.querySelectorAll("form.rule-form").forEach(ruleForm);
  // Forms with data-confirm ask through mcok/confirm.js, on every page.
})();
