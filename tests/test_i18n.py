"""Russian first, English second: the catalog covers every source string and the switch works."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils.translation.template import templatize

from core.accounts.models import Grant
from tenants.models import Cluster
from tests.conftest import PASSWORD, MakeUser

ROOT = Path(__file__).resolve().parents[1]
PO_PATH = ROOT / "frontend" / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Areas may keep their own catalog in <app>/locale (see frontend/compile_messages.py).
PO_PATHS = sorted(
    p
    for p in ROOT.rglob("locale/en/LC_MESSAGES/django.po")
    if not {".venv", ".local", ".git"} & set(p.relative_to(ROOT).parts)
)

# Where translatable strings live (what `makemessages -l en` collects for the UI).
PYTHON_SOURCES = sorted(
    path
    for folder in ("frontend", "tenants", "core", "api", "billing")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
) + [ROOT / "platform" / "clusterhub" / "settings" / "base.py"]  # LANGUAGES names
TEMPLATE_SOURCES = sorted(p for p in (ROOT / "frontend").rglob("templates/**/*") if p.is_file())
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in GETTEXT_NAMES
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _template_msgids(path: Path) -> set[str]:
    # Django's own template -> gettext() conversion, the one makemessages uses.
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    return {ast.literal_eval(m.group(1)) for m in re.finditer(r"gettext\((u?'(?:[^'\\]|\\.)*')\)", code)}


def _source_msgids() -> set[str]:
    msgids: set[str] = set()
    for path in PYTHON_SOURCES:
        msgids |= _python_msgids(path)
    for path in TEMPLATE_SOURCES:
        msgids |= _template_msgids(path)
    return msgids


def test_catalog_translates_every_source_string() -> None:
    catalog = {e.msgid: e for path in PO_PATHS for e in polib.pofile(str(path)) if not e.obsolete}
    sources = _source_msgids()
    assert len(sources) > 100  # the extraction itself works
    missing = sorted(sources - catalog.keys())
    assert not missing, f"add to {PO_PATH.relative_to(ROOT)} or the area's own catalog: {missing}"
    stale = sorted(catalog.keys() - sources)
    assert not stale, f"no source uses these msgids any more: {stale}"
    untranslated = sorted(m for m, e in catalog.items() if not e.msgstr or "fuzzy" in e.flags)
    assert not untranslated, untranslated
    for msgid, entry in catalog.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(entry.msgstr)), msgid
        # Russian document codes quoted as they are written (РЗН 2024/23835) may stay.
        kept = set(re.findall(r"\b[А-ЯЁ]{2,}\b", msgid))

        def drop_kept(m: re.Match[str], kept: set[str] = kept) -> str:
            return "" if m.group(0) in kept else m.group(0)

        english = re.sub(r"\b[А-ЯЁ]{2,}\b", drop_kept, entry.msgstr)
        assert not re.search("[А-Яа-яЁё]", english), f"Cyrillic left in the English of {msgid!r}"


def test_catalog_is_compiled() -> None:
    assert PO_PATH in PO_PATHS
    for po_path in PO_PATHS:
        mo_path = po_path.with_suffix(".mo")
        hint = f"{mo_path.relative_to(ROOT)} is missing or older than the .po: run `make messages`"
        assert mo_path.exists(), hint
        assert mo_path.stat().st_mtime >= po_path.stat().st_mtime, hint


def _html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def _switch_language(client: Client, code: str, next_url: str) -> None:
    response = client.post("/i18n/setlang/", {"language": code, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    cookie = response.cookies["django_language"]
    assert cookie.value == code
    assert not cookie["domain"]  # host-only, like the session cookie


def test_cluster_pages_are_russian_by_default_and_switch_to_english_and_back(cluster_a: Cluster) -> None:
    client = Client(HTTP_HOST="alpha.localhost")

    html = client.get("/login/").content.decode()
    assert _html_lang(html) == "ru"
    assert ">Главная</a>" in html
    assert "<h1>Вход: Кластер Альфа (тест)</h1>" in html
    assert '<button type="submit">Войти</button>' in html
    assert "Пароль" in html
    assert "Забыли пароль?" in html

    _switch_language(client, "en", "/login/")
    html = client.get("/login/").content.decode()
    assert _html_lang(html) == "en"
    assert ">Home</a>" in html
    assert "<h1>Sign in: Кластер Альфа (тест)</h1>" in html  # the cluster's own name stays as entered
    assert '<button type="submit">Sign in</button>' in html
    assert "Password" in html
    assert "Forgot your password?" in html
    for russian in ("Главная", "Войти", "Пароль"):
        assert russian not in html
    home = client.get("/").content.decode()
    for english in ("No news yet.", "<dt>Type</dt>", "<dd>Regional</dd>", "<h2>News</h2>"):
        assert english in home

    _switch_language(client, "ru", "/login/")
    html = client.get("/login/").content.decode()
    assert _html_lang(html) == "ru"
    assert "<h1>Вход: Кластер Альфа (тест)</h1>" in html
    assert '<button type="submit">Войти</button>' in html
    assert "Sign in" not in html


def test_language_choice_belongs_to_its_host(cluster_a: Cluster, cluster_b: Cluster) -> None:
    alpha = Client(HTTP_HOST="alpha.localhost")
    _switch_language(alpha, "en", "/login/")
    beta = Client(HTTP_HOST="beta.localhost")
    assert "<h1>Вход: Кластер Бета (тест)</h1>" in beta.get("/login/").content.decode()


def test_error_messages_from_views_are_translated(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    beta = Client(HTTP_HOST="beta.localhost")
    html = beta.post("/login/", {"email": user.email, "password": PASSWORD}).content.decode()
    assert "У этой учётной записи нет доступа к кластеру «Кластер Бета (тест)»." in html

    _switch_language(beta, "en", "/login/")
    html = beta.post("/login/", {"email": user.email, "password": PASSWORD}).content.decode()
    assert "This account has no access to the cluster “Кластер Бета (тест)”." in html
    html = beta.post("/login/", {"email": user.email, "password": "wrong"}).content.decode()
    assert "Incorrect e-mail or password." in html


@pytest.mark.parametrize("accept", ["ru-RU,ru;q=0.9", "en-US,en;q=0.9", "de-DE"])
def test_russian_first_whatever_the_browser_asks(cluster_a: Cluster, accept: str) -> None:
    html = Client(HTTP_HOST="alpha.localhost", HTTP_ACCEPT_LANGUAGE=accept).get("/").content.decode()
    assert _html_lang(html) == "ru"


def test_status_pages_follow_the_chosen_language(cluster_a: Cluster) -> None:
    from tenants.services import cluster_suspend

    client = Client(HTTP_HOST="alpha.localhost")
    cluster_suspend(cluster=cluster_a)
    assert "Кластер приостановлен" in client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert _html_lang(html) == "en"
    assert "The platform operator has suspended the cluster" in html
