// The new-report page: the suggested title follows the kind, the direction and the period as they
// are chosen, until the person types a title of their own. The server does the same on save (a title
// left as suggested is made again), so without this script the saved title is right all the same.
(function () {
  "use strict";

  function start() {
    const title = document.getElementById("id_title");
    const suggested = document.getElementById("id_suggested_title");
    const kind = document.getElementById("id_kind");
    const direction = document.getElementById("id_direction");
    const period = document.getElementById("id_period");
    if (!title || !suggested || !kind || !period) return;
    let codes = {};
    try {
      codes = JSON.parse((direction && direction.dataset.codes) || "{}");
    } catch (error) {
      codes = {};
    }

    function selectedText(select) {
      const option = select && select.options[select.selectedIndex];
      return option && option.value ? option.textContent.trim() : "";
    }

    function proposal() {
      const periodLabel = selectedText(period);
      if (!periodLabel) return "";
      if (kind.value === "summary") {
        return (title.dataset.titleSummary || "").replace("{period}", periodLabel);
      }
      const code = direction ? codes[direction.value] : "";
      if (!code) return "";
      return (title.dataset.titleDirection || "").replace("{code}", code).replace("{period}", periodLabel);
    }

    function follow() {
      const own = title.value.trim() !== "" && title.value.trim() !== suggested.value.trim();
      const next = proposal();
      if (own || !next) return;
      title.value = next;
      suggested.value = next;
    }

    [kind, direction, period].forEach(function (select) {
      if (select) select.addEventListener("change", follow);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
