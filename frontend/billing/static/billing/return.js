/* Back from YooKassa's payment page: the invoice page waits for the notification (the server
   re-reads the payment from YooKassa) and polls the invoice's status; when paid it reloads, so
   the receipt link appears. Nothing here marks anything paid. */
(function () {
  "use strict";
  var box = document.getElementById("payment-waiting");
  var statusEl = document.getElementById("invoice-status");
  if (!box || !statusEl) { return; }
  function poll(attempt) {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        statusEl.textContent = s.status_display;
        statusEl.className = "invoice-status invoice-status-" + s.status;
        if (s.status === "paid") {
          box.textContent = box.dataset.msgPaid;
          window.location.replace(window.location.pathname);
          return;
        }
        setTimeout(function () { poll(attempt + 1); }, attempt < 30 ? 1000 : 5000);
      })
      .catch(function () { setTimeout(function () { poll(attempt + 1); }, 5000); });
  }
  poll(0);
})();
