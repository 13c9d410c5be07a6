/* Payment page: Stripe.js card Element → SetupIntent (the card) → the server confirms the
   invoice's PaymentIntent → 3-D Secure in the browser if the bank asks → wait for the webhook.
   Nothing here marks the invoice paid: the page polls the server's status. */
(function () {
  "use strict";
  var root = document.getElementById("payment");
  if (!root || typeof Stripe === "undefined") { return; }
  var d = root.dataset;
  var stripe = Stripe(d.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var form = document.getElementById("payment-form");
  var button = document.getElementById("pay-submit");
  var message = document.getElementById("payment-message");
  var statusEl = document.getElementById("invoice-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "";
  }
  function fail(text) {
    say(text || d.msgFailed, true);
    button.disabled = false;
  }
  function poll(attempt) {
    fetch(d.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        statusEl.textContent = s.status_display;
        statusEl.className = "invoice-status invoice-status-" + s.status;
        if (s.status === "paid") {
          say(d.msgPaid, false);
          form.hidden = true;  // paid: the card form goes, the receipt link comes
          document.getElementById("payment-done").hidden = false;
          return;
        }
        setTimeout(function () { poll(attempt + 1); }, attempt < 30 ? 1000 : 5000);
      })
      .catch(function () { setTimeout(function () { poll(attempt + 1); }, 5000); });
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    say(d.msgWorking, false);
    try {
      var setup = await stripe.confirmCardSetup(d.setupSecret, {payment_method: {card: card}});
      if (setup.error) { fail(setup.error.message); return; }
      var response = await fetch(d.confirmUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
        body: JSON.stringify({setup_intent: setup.setupIntent.id})
      });
      var result = await response.json().catch(function () { return {}; });
      if (!response.ok || result.status === "failed" || result.status === "error") {
        fail(result.detail); return;
      }
      if (result.status === "requires_action") {
        var auth = await stripe.confirmCardPayment(result.client_secret);
        if (auth.error) { fail(auth.error.message); return; }
      }
      say(d.msgWaiting, false);
      poll(0);
    } catch (err) {
      fail(d.msgNetwork);
    }
  });
})();
