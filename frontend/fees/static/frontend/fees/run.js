/* Assessment progress: poll the run's JSON status and move the progress bar; reload when finished
   (the page then shows the result and the errors, rendered by the server). No dependencies. */
(function () {
  "use strict";
  var box = document.getElementById("run-progress-box");
  if (!box || box.getAttribute("data-finished") === "1") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("run-progress");
  var status = document.getElementById("run-status");
  var processed = document.getElementById("run-processed");
  var total = document.getElementById("run-total");
  var created = document.getElementById("run-created");

  function show(data) {
    if (bar) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
    }
    if (status) {
      status.textContent = data.status_display;
    }
    if (processed) {
      processed.textContent = String(data.processed);
    }
    if (total) {
      total.textContent = String(data.total);
    }
    if (created) {
      created.textContent = String(data.created_count);
    }
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
