// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

// A second tap on a slow phone connection must not send the form twice: once a form is on its
// way, its submit buttons wait (htmx forms re-enable when their answer is swapped in).
document.addEventListener("submit", function (event) {
  var form = event.target;
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  }, 0);
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = false;
    });
  }, 8000);
});
