"""Payment gateways behind one interface (`base.PaymentGateway`): Stripe (`stripe`) and YooKassa
(`yookassa`: bank card, SBP, SberBusiness). `yookassa_local` is a YooKassa-compatible server for
the demo and the tests. No database writes here: the services settle what a gateway reports.

This package imports nothing of Django at import time, so `python -m
billing.gateways.yookassa_local` runs without settings.
"""
