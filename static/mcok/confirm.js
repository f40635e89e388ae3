// A form with data-confirm asks before it is sent: destructive and overwriting actions say what
// they will do. Without JavaScript the form is sent as is; the server still checks everything.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
