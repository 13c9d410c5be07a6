"""The real stripe SDK talks to localstripe over HTTP (started by the tests when needed)."""

import stripe


def test_stripe_sdk_creates_a_payment_intent_on_localstripe(localstripe: str) -> None:
    client = stripe.StripeClient("sk_test_clusterhub", base_addresses={"api": localstripe})
    intent = client.v1.payment_intents.create(
        params={"amount": 1_500_000, "currency": "rub", "metadata": {"invoice": "МТК-2026-0001"}},
        options={"idempotency_key": "invoice-1-attempt-1"},
    )
    assert intent.status == "requires_payment_method"
    assert intent.amount == 1_500_000
    again = client.v1.payment_intents.retrieve(intent.id)
    assert again.metadata["invoice"] == "МТК-2026-0001"


def test_localstripe_serves_its_fake_stripe_js(localstripe: str) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{localstripe}/js.stripe.com/v3/", timeout=5) as response:  # noqa: S310
        assert response.status == 200
        assert b"Stripe" in response.read()
