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

// Project page ------------------------------------------------------------------------------------

function focusFirstField(panel) {
  var first = panel.querySelector("input:not([type=hidden]), select, textarea");
  if (first) {
    first.focus({ preventScroll: true });
  }
}

// "Log a key point" links to the page with its form open; here it opens the form in place instead,
// and puts the cursor in the first field. "Cancel" closes it again and goes back to the button.
document.addEventListener("click", function (event) {
  var toggle = event.target.closest("[data-reveal], [data-conceal]");
  if (!toggle) {
    return;
  }
  var opener = toggle.hasAttribute("data-reveal");
  var panel = document.getElementById(toggle.getAttribute(opener ? "data-reveal" : "data-conceal"));
  if (!panel) {
    return;
  }
  event.preventDefault();
  var toggles = document.querySelectorAll("[data-reveal='" + panel.id + "']");
  if (opener) {
    panel.hidden = false;
    toggles.forEach(function (toggle) { toggle.setAttribute("aria-expanded", "true"); });
    panel.scrollIntoView({ block: "start" });
    var pending = panel.querySelector("[data-load]");
    if (!pending) {
      focusFirstField(panel);
    } else if (!pending.hasAttribute("data-loading")) {
      // The form is not on the page yet: fetch it into the panel. Should that fail (or htmx be
      // missing), the link's own address opens the page with the form in it.
      pending.setAttribute("data-loading", "");
      var reload = function () { window.location.href = toggle.href; };
      if (!window.htmx) {
        reload();
        return;
      }
      htmx.ajax("GET", pending.getAttribute("data-load"), { target: pending, swap: "outerHTML" }).then(function () {
        if (pending.isConnected) {
          reload();
        } else {
          focusFirstField(panel);
        }
      }, reload);
    }
  } else {
    panel.hidden = true;
    toggles.forEach(function (toggle) { toggle.setAttribute("aria-expanded", "false"); });
    if (toggles.length) {
      toggles[0].focus();
    }
  }
});

// The stage path scrolls sideways on a phone: start with the current stage in the middle of it.
// (Scrolling the row itself, so that the page keeps the position a #kp- link asked for.)
document.querySelectorAll(".stage-path").forEach(function (path) {
  var current = path.querySelector("[aria-current]");
  if (current && path.scrollWidth > path.clientWidth) {
    var box = path.getBoundingClientRect();
    var item = current.getBoundingClientRect();
    path.scrollLeft += item.left + item.width / 2 - (box.left + box.width / 2);
  }
});

// A page answered with something to read first (a refusal above the form, a form with errors).
var firstNotice = document.querySelector("[data-scroll-into-view]");
if (firstNotice) {
  (firstNotice.closest("section") || firstNotice).scrollIntoView({ block: "start" });
  firstNotice.focus({ preventScroll: true });
}

// Review report ----------------------------------------------------------------------------------

// "Print" opens the browser's print dialog (print.css lays the page out for A4; "Save as PDF" is
// there too). Without this file the button stays hidden: the browser's own menu prints the same.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
