// «Choose all waiting» on a collection's page: ticks every box of the bulk-accept form. Without
// JavaScript the button stays hidden and each box is ticked by hand.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-choose-all]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    document.querySelectorAll('input[form="bulk-accept"]').forEach(function (box) {
      box.checked = true;
    });
  });
});
