/* Live count of a meeting voting by ballots (staff only): poll the JSON at the section's
   data-tally-url every few seconds and update the quorum line and the per-decision cells in
   place, without reloading the page; when voting has closed, reload once (the page then shows
   the frozen results). Served by the app; no dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-tally-url]");
  if (!box) {
    return;
  }
  var script = document.currentScript || document.querySelector("script[data-adopted]");
  var words = {
    adopted: script ? script.getAttribute("data-adopted") : "adopted",
    rejected: script ? script.getAttribute("data-rejected") : "not adopted"
  };
  var url = box.getAttribute("data-tally-url");
  var PERIOD = 3000;

  function set(element, value) {
    if (element && element.textContent !== String(value)) {
      element.textContent = String(value);
      element.classList.add("changed");
      window.setTimeout(function () { element.classList.remove("changed"); }, 1500);
    }
  }

  function show(data) {
    ["label", "voters", "ballots", "required"].forEach(function (key) {
      set(box.querySelector('[data-tally="quorum.' + key + '"]'), data.quorum[key]);
    });
    data.decisions.forEach(function (row) {
      var line = box.querySelector('[data-decision="' + row.id + '"]');
      if (!line) {
        return;
      }
      set(line.querySelector('[data-col="for"]'), row["for"]);
      set(line.querySelector('[data-col="against"]'), row.against);
      set(line.querySelector('[data-col="abstain"]'), row.abstain);
      set(line.querySelector('[data-col="adopted"]'), row.adopted ? words.adopted : words.rejected);
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
        if (data.status === "closed") {
          window.location.reload();
          return;
        }
        show(data);
        window.setTimeout(poll, PERIOD);
      })
      .catch(function () {
        window.setTimeout(poll, PERIOD * 3);
      });
  }

  window.setTimeout(poll, PERIOD);
})();
