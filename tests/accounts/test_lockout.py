"""Sign-in lockout: one atomic step per guess, keyed by (e-mail, client address), the same for
unknown and known e-mails, an IP throttle first, and a password reset clears it."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from core.accounts.models import User
from tests.conftest import PASSWORD, ROLE, MakeUser, client_for, signed_in

WRONG = "wrong-password"


def _token(client: Client, email: str, password: str) -> int:
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}).status_code


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_never_exceed_the_remaining_budget(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """15 concurrent token requests, 3 guesses left: at most 3 wrong passwords are evaluated,
    and the right password is refused while the account is locked."""
    user = make_user(None)
    for _ in range(2):  # 5 allowed, 2 spent: 3 guesses left
        assert _token(client_for(None), user.email, WRONG) == 400

    evaluated: list[str] = []
    guard = threading.Lock()
    real_check = User.check_password

    def counting_check(self: User, raw_password: str) -> bool:
        with guard:
            evaluated.append(raw_password)
        return real_check(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check)
    start = threading.Barrier(15)
    statuses: list[int] = []

    def guess() -> None:
        try:
            start.wait()
            code = _token(client_for(None), user.email, WRONG)
            with guard:
                statuses.append(code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 15
    assert evaluated.count(WRONG) <= 3, f"{evaluated.count(WRONG)} wrong passwords evaluated"
    assert statuses.count(429) >= 12
    assert _token(client_for(None), user.email, PASSWORD) == 429


@pytest.mark.django_db
def test_unknown_and_known_emails_lock_the_same_way(make_user: MakeUser) -> None:
    known = make_user(None)
    answers = {}
    for email in (known.email, "nobody-here@example.test"):
        client = client_for(None)
        codes = [_token(client, email, WRONG) for _ in range(6)]
        body = client.post("/api/v1/auth/token/", {"email": email, "password": WRONG}).json()
        answers[email] = (codes, body)
    assert answers[known.email] == answers["nobody-here@example.test"]
    assert answers[known.email][0] == [400, 400, 400, 400, 429, 429]


@pytest.mark.django_db
def test_a_platform_admin_is_not_locked_out_from_another_address(make_user: MakeUser) -> None:
    root = make_user(ROLE.PLATFORM_ADMIN)
    attacker = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        attacker.post("/login/", {"email": root.email, "password": WRONG})
    assert attacker.post("/login/", {"email": root.email, "password": PASSWORD}).status_code == 200
    owner = Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7")
    assert owner.post("/login/", {"email": root.email, "password": PASSWORD}).status_code == 302
    assert _token(Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7"), root.email, PASSWORD) == 200


@pytest.mark.django_db
def test_an_address_is_throttled_first_whatever_the_emails(make_user: MakeUser) -> None:
    """One address spraying many e-mails is stopped by the address limit before it can lock
    each account; the answer does not depend on whether the e-mails exist."""
    victim = make_user(None)
    sprayer = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.10")
    codes = [_token(sprayer, f"spray{n}@example.test", WRONG) for n in range(20)]
    assert codes == [400] * 20
    refused = sprayer.post("/api/v1/auth/token/", {"email": victim.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "с вашего адреса" in refused.json()["detail"]
    page = sprayer.post("/login/", {"email": victim.email, "password": PASSWORD})
    assert "с вашего адреса" in page.content.decode()
    # the victim, elsewhere, is unaffected
    assert _token(Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.8"), victim.email, PASSWORD) == 200


@pytest.mark.django_db
def test_a_password_reset_clears_the_lock(make_user: MakeUser) -> None:
    from django.core import mail

    user = make_user(None)
    client = client_for(None)
    for _ in range(5):
        client.post("/login/", {"email": user.email, "password": WRONG})
    assert _token(client, user.email, PASSWORD) == 429
    client.post("/password/reset/", {"email": user.email})
    link = re.search(r"http://localhost(?::\d+)?(/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    form = client.get(link.group(1), follow=True)
    new_password = "Новый-пароль-2026"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert signed_in(user, None, password=new_password).get("/my/").status_code == 200
