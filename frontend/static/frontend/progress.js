/* Progress of a long job (member import, assessment run, …): poll the JSON status at the box's
   data-status-url, copy each field into the elements marked data-field="<name>" (a <progress>
   gets the value), reload when finished (the page then shows the result, rendered by the
   server). No dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || box.getAttribute("data-finished") === "1") {
    return;
  }
  var url = box.getAttribute("data-status-url");

  function show(data) {
    document.querySelectorAll("[data-field]").forEach(function (element) {
      var value = data[element.getAttribute("data-field")];
      if (value === undefined || value === null) {
        return;
      }
      if (element.tagName === "PROGRESS") {
        element.value = value;
        element.textContent = value + "%";
      } else {
        element.textContent = String(value);
      }
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
})();
