/* Import progress: poll the job's JSON status and move the progress bar; reload when finished
   (the page then shows the result and the errors, rendered by the server). No dependencies. */
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.getAttribute("data-finished") === "1") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  var processed = document.getElementById("import-processed");
  var total = document.getElementById("import-total");

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
