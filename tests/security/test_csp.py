"""Issue 15, «Also build 4»: no 'unsafe-inline' in the production CSP, so no template served to a
browser may carry inline scripts, styles, event handlers or style attributes (PDF templates,
rendered by WeasyPrint, keep their print CSS)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django_tenants.utils import schema_context

from tenants.governance import services
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, signed_in
from tests.governance import factories as f

ROOT = Path(__file__).resolve().parents[2]
INLINE = {
    "inline <script>": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I
    ),
    "<style> element": re.compile(r"<style\b", re.I),
    "style= attribute": re.compile(r"\sstyle=[\"']", re.I),
    "on…= handler": re.compile(r"\son[a-z]+=[\"']", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _browser_templates() -> list[Path]:
    found = [
        p
        for top in ("frontend", "tenants", "core", "billing", "api", "platform")
        for p in (ROOT / top).rglob("*.html")
    ]
    return sorted(p for p in found if "@page" not in p.read_text(encoding="utf-8"))  # @page: a PDF


def test_no_template_served_to_a_browser_needs_unsafe_inline() -> None:
    templates = _browser_templates()
    assert len(templates) > 100
    offences = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


def test_the_behaviour_lives_in_static_files() -> None:
    page_js = Path(finders.find("frontend/page.js") or "").read_text(encoding="utf-8")
    assert "data-confirm" in page_js and "confirm(question)" in page_js and "style.left" in page_js
    assert finders.find("frontend/tracking.css") and finders.find("frontend/swagger.css")


@pytest.mark.django_db
def test_a_destructive_form_asks_through_data_confirm(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        committee = services.committee_create(actor=f.system(cluster_a), name="Комитет «Осторожно»")
    page = (
        signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
        .get(f"/governance/committees/{committee.pk}/")
        .content.decode()
    )
    assert re.search(r'<script src="/static/frontend/page\.js[^"]*" defer></script>', page)
    assert re.search(r'<form [^>]*action="/governance/committees/\d+/delete/"[^>]*data-confirm="[^"]+"', page)
    assert not any(pattern.search(page) for pattern in INLINE.values())


@pytest.mark.django_db
def test_the_api_docs_page_has_no_inline_style_or_script(cluster_a: Cluster) -> None:
    from tests.conftest import client_for

    page = client_for(cluster_a).get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "/static/frontend/swagger.css" in page
    assert not any(pattern.search(page) for pattern in INLINE.values())
