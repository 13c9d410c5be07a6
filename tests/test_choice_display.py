"""get_FOO_display of fixed choices answers from labels made once (core.display.choice_displays_install,
run when the apps are ready): the same text as Django's own in Russian and in English, the stored
value when it is not a choice, and a page of invoices shows the statuses it showed before."""

from __future__ import annotations

from functools import partialmethod
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from billing.models import Invoice
from core.display import DJANGO_CHOICE_DISPLAY, _choice_display, choice_displays_install
from tenants.members.models import Company


def _replaced() -> list[tuple[type[Any], Any]]:
    found = []
    for model in apps.get_models():
        for field in model._meta.fields:
            method = model.__dict__.get(f"get_{field.name}_display")
            if isinstance(method, partialmethod) and method.func is _choice_display:
                found.append((model, field))
    return found


def test_every_fixed_choice_field_answers_as_django_does() -> None:
    replaced = _replaced()
    assert (Invoice, Invoice._meta.get_field("status")) in replaced
    assert (Company, Company._meta.get_field("kind")) in replaced
    assert choice_displays_install() == 0  # once only: nothing is left to replace
    for model, field in replaced:
        getter = getattr(model, f"get_{field.name}_display")
        for value in [*(v for v, _ in field.flatchoices), "no-such-value", None]:
            obj = model()
            setattr(obj, field.attname, value)
            for language in ("ru", "en"):
                with translation.override(language):
                    assert getter(obj) == DJANGO_CHOICE_DISPLAY(obj, field), (model, field.name, value)


def test_the_label_follows_the_active_language() -> None:
    invoice = Invoice(status=Invoice.Status.PARTIALLY_PAID)
    with translation.override("ru"):
        assert invoice.get_status_display() == "Оплачен частично"
    with translation.override("en"):
        english = invoice.get_status_display()
    assert english != "Оплачен частично" and english.strip()
    assert Invoice(status="archived-long-ago").get_status_display() == "archived-long-ago"


@pytest.mark.django_db
def test_a_representatives_invoice_list_shows_the_statuses(cluster_a: Any, make_user: Any) -> None:
    from tests.billing.conftest import COMPANY, issue
    from tests.conftest import ROLE, signed_in

    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    opened = issue(cluster_a)
    voided = issue(cluster_a)
    Invoice.objects.filter(pk=voided.pk).update(status=Invoice.Status.VOID)
    html = signed_in(rep, cluster_a).get("/billing/invoices/").content.decode()
    assert f"№ {opened.number}" in html and f"№ {voided.number}" in html
    assert "Выставлен" in html and "Аннулирован" in html
