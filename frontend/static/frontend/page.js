/* Behaviour every page shares, from a static file so the production CSP needs no
   'unsafe-inline' (no inline handlers, no style attributes):
   - a form (or the button that sends it) with data-confirm="<question>" asks before it is sent
     (destructive actions);
   - an element with data-left / data-width (percent numbers, "12.5" or "12,5") is placed by
     setting its CSSOM style (timeline bars, progress bars), which CSP allows. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var button = event.submitter;  // a button may ask its own question (several actions in one form)
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  function percent(value) {
    var number = parseFloat(String(value).replace(",", "."));
    return isNaN(number) ? null : number + "%";
  }

  function place() {
    document.querySelectorAll("[data-left],[data-width]").forEach(function (element) {
      var left = element.getAttribute("data-left");
      var width = element.getAttribute("data-width");
      if (left !== null && percent(left) !== null) {
        element.style.left = percent(left);
      }
      if (width !== null && percent(width) !== null) {
        element.style.width = percent(width);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", place);
  } else {
    place();
  }
})();
