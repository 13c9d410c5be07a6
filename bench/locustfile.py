"""The locust scenario of `make bench-load` (run headless by bench/load.py; never the web UI).

100 users over the four demo clusters and the ministry, all through nginx + TLS:

| user (weight) | what it does |
|---|---|
| ClusterStaff (30) | cluster home, members list, roadmap, meetings pages; now and then uploads the demo roadmap file through the API (preview, then confirm) |
| MemberRepresentative (30) | «Мои счета», an invoice; now and then pays an open invoice by card (the Stripe flow of pay.js, see `pay`) |
| ApiClient (20) | API lists with a token: members, news, roadmaps, meetings, invoices |
| ClusterAdmin (10) | the cluster admin home (dashboard) and the members list |
| Ministry (10) | the ministry dashboard /ministry/ on the platform host |

Sessions and tokens are made once before the run (bench/load.py signs in through the login
form and the token endpoint): 100 password hashes would otherwise measure PBKDF2, not the
product. The plan (hosts, cookies, tokens, open invoices) comes as JSON in BENCH_LOAD_PLAN.
Every request to our server names its type in an X-Bench-Type header (percent-encoded), which
bench/profile_gunicorn.conf.py uses for the web-worker CPU per request type; nothing in the
product reads it.
Host names are sent in the Host header to 127.0.0.1 (no DNS for *.localhost here); the
certificate is the stack's throwaway self-signed one, so TLS is not verified.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import urllib.parse
from collections import deque
from typing import Any, cast

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

from bench.loadkit import cookie_header, multipart

PLAN: dict[str, Any] = json.loads(os.environ.get("BENCH_LOAD_PLAN", "{}") or "{}")
CLUSTERS: list[dict[str, Any]] = PLAN.get("clusters", [])
# Open invoices per cluster, each paid by one user only.
OPEN_INVOICES: dict[str, deque[int]] = {c["slug"]: deque(c.get("invoices", [])) for c in CLUSTERS}
SETUP_SECRET = re.compile(r'data-setup-secret="(seti_[^"]+)"')
PUBLISHABLE_KEY = re.compile(r'data-publishable-key="([^"]+)"')
WAIT = (float(os.environ.get("BENCH_LOAD_WAIT_MIN", "1")), float(os.environ.get("BENCH_LOAD_WAIT_MAX", "3")))


def typed(headers: dict[str, str], name: str) -> dict[str, str]:
    """The headers plus the request type for the per-type CPU accounting of the web workers."""
    return {**headers, "X-Bench-Type": urllib.parse.quote(name)}


def strict_get(client: Any, path: str, headers: dict[str, str], name: str) -> None:
    """A GET that counts only 200 as success: a redirect (to the login page, say) is an error."""
    with client.get(
        path, headers=typed(headers, name), name=name, allow_redirects=False, catch_response=True
    ) as answer:
        if answer.status_code != 200:
            answer.failure(f"HTTP {answer.status_code}")


# Every request to our server (not localstripe's, not the payment-flow timer), for the overall row.
OURS: list[float] = []
OURS_FAILED = [0]
STARTED = [0.0]


@events.test_start.add_listener
def _started(**_: Any) -> None:
    STARTED[0] = time.perf_counter()


@events.request.add_listener
def _collect(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    if request_type == "FLOW" or name.startswith("localstripe"):
        return
    OURS.append(response_time)
    if exception is not None:
        OURS_FAILED[0] += 1


@events.quitting.add_listener
def _overall(**_: Any) -> None:
    path = os.environ.get("BENCH_LOAD_OVERALL")
    if not path:
        return
    times = sorted(OURS) or [0.0]
    seconds = max(time.perf_counter() - STARTED[0], 1e-9)

    def percentile(share: float) -> float:
        return times[min(len(times) - 1, int(share * len(times)))]

    with open(path, "w") as handle:
        json.dump(
            {
                "requests": len(OURS),
                "failures": OURS_FAILED[0],
                "p50_ms": percentile(0.50),
                "p95_ms": percentile(0.95),
                "rps": len(OURS) / seconds,
            },
            handle,
        )


class _ClusterUser(FastHttpUser):
    abstract = True
    wait_time = between(*WAIT)
    role = "staff"
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.cluster: dict[str, Any] = random.choice(CLUSTERS)
        session = self.cluster["sessions"].get(self.role, {})
        self.origin = f"https://{self.cluster['host']}"
        self.headers = {"Host": self.cluster["host"], "Cookie": cookie_header(session)}
        self.csrf = session.get("csrftoken", "")

    def page(self, path: str, name: str) -> None:
        strict_get(self.client, path, self.headers, name)

    def post_headers(self, path: str, **extra: str) -> dict[str, str]:
        return {
            **self.headers,
            "Referer": self.origin + path,
            "Origin": self.origin,
            "X-CSRFToken": self.csrf,
            **extra,
        }


class ClusterStaff(_ClusterUser):
    weight = 30
    role = "staff"

    @task(4)
    def home(self) -> None:
        self.page("/", "page: cluster home (staff)")

    @task(3)
    def members(self) -> None:
        self.page("/members/", "page: members list")

    @task(3)
    def roadmap(self) -> None:
        self.page("/roadmap/", "page: roadmap")

    @task(3)
    def meetings(self) -> None:
        self.page("/governance/meetings/", "page: meetings")

    @task(1)
    def roadmap_import(self) -> None:
        """The demo roadmap file (seed 001) uploaded through the API: preview, then confirm."""
        headers = {"Host": self.cluster["host"], "Authorization": f"Token {self.cluster['tokens']['staff']}"}
        with open(PLAN["roadmap_file"], "rb") as handle:
            body, content_type = multipart(
                {"title": f"Нагрузочный импорт {time.time_ns()}"}, "file", "roadmap-2018.txt", handle.read()
            )
        with self.client.post(
            "/api/v1/roadmaps/import/",
            headers=typed({**headers, "Content-Type": content_type}, "api: roadmap import (upload, preview)"),
            data=cast(Any, body),
            name="api: roadmap import (upload, preview)",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return
            preview = answer.json()
        self.client.post(
            f"/api/v1/roadmaps/import/{preview['id']}/confirm/",
            headers=typed(headers, "api: roadmap import (confirm)"),
            name="api: roadmap import (confirm)",
        )


class ClusterAdmin(_ClusterUser):
    weight = 10
    role = "admin"

    @task(3)
    def dashboard(self) -> None:
        self.page("/", "page: cluster admin home")

    @task(1)
    def members(self) -> None:
        self.page("/members/", "page: members list")


class MemberRepresentative(_ClusterUser):
    weight = 30
    role = "member"

    @task(5)
    def my_invoices(self) -> None:
        self.page("/billing/invoices/", "portal: «Мои счета»")

    @task(4)
    def invoice(self) -> None:
        self.page(f"/billing/invoices/{self.cluster['invoice_view']}/", "portal: an invoice")

    @task(1)
    def pay(self) -> None:
        """pay.js without a browser: POST «Оплатить» (the server makes the PaymentIntent and a
        SetupIntent), the card to localstripe's SetupIntent confirm (what Stripe.js's
        confirmCardSetup sends), POST pay/confirm (the server confirms the PaymentIntent),
        then poll the status until the webhook (localstripe → nginx → the cluster's endpoint)
        has marked the invoice paid. The time to «Оплачен» is reported as its own row."""
        queue = OPEN_INVOICES[self.cluster["slug"]]
        if not queue:
            return
        pk = queue.popleft()
        started = time.perf_counter()
        path = f"/billing/invoices/{pk}/pay/"
        with self.client.post(
            path,
            headers=typed(
                self.post_headers(f"/billing/invoices/{pk}/"), "pay: «Оплатить» (PaymentIntent + SetupIntent)"
            ),
            data={"method": "stripe:card", "csrfmiddlewaretoken": self.csrf},
            name="pay: «Оплатить» (PaymentIntent + SetupIntent)",
            catch_response=True,
        ) as answer:
            found = SETUP_SECRET.search(answer.text or "")
            key = PUBLISHABLE_KEY.search(answer.text or "")
            if answer.status_code != 200 or not found or not key:
                answer.failure(f"{answer.status_code}: no card form")
                return
        secret = found.group(1)
        seti = secret.split("_secret_")[0]
        card = self.client.post(
            f"{PLAN['localstripe']}/v1/setup_intents/{seti}/confirm",
            data=json.dumps(
                {
                    "key": key.group(1),
                    "use_stripe_sdk": True,
                    "client_secret": secret,
                    "payment_method_data": {
                        "type": "card",
                        "card": {
                            "number": "4242424242424242",
                            "exp_month": "12",
                            "exp_year": "34",
                            "cvc": "123",
                        },
                        "billing_details": {"address": {"postal_code": "141980"}},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
            name="localstripe: card → SetupIntent (the fake Stripe, not ours)",
        )
        if card.status_code != 200:
            return
        with self.client.post(
            f"{path}confirm/",
            headers=typed(
                self.post_headers(path, **{"Content-Type": "application/json", "Accept": "application/json"}),
                "pay: confirm (server confirms the PaymentIntent)",
            ),
            data=json.dumps({"setup_intent": seti}),
            name="pay: confirm (server confirms the PaymentIntent)",
            catch_response=True,
        ) as answer:
            result = answer.json() if answer.status_code == 200 else {}
            if result.get("status") in (None, "failed", "error"):
                answer.failure(f"{answer.status_code}: {str(result)[:200]}")
                return
        # As pay.js polls: every second for 30 attempts, then every 5 s (60 s in all here).
        for attempt in range(36):
            status = self.client.get(
                f"/billing/invoices/{pk}/status/",
                headers=typed({**self.headers, "Accept": "application/json"}, "pay: status poll"),
                name="pay: status poll",
            )
            if status.status_code == 200 and status.json().get("status") == "paid":
                events.request.fire(
                    request_type="FLOW",
                    name="flow: «Оплатить» → «Оплачен» (webhook arrived)",
                    response_time=(time.perf_counter() - started) * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )
                return
            time.sleep(1.0 if attempt < 30 else 5.0)
        events.request.fire(
            request_type="FLOW",
            name="flow: «Оплатить» → «Оплачен» (webhook arrived)",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError("invoice not paid within 60 s"),
            context={},
        )


class ApiClient(_ClusterUser):
    weight = 20
    role = "staff"

    def on_start(self) -> None:
        super().on_start()
        self.headers = {
            "Host": self.cluster["host"],
            "Authorization": f"Token {self.cluster['tokens']['staff']}",
        }

    @task
    def lists(self) -> None:
        path, name = random.choice(
            [
                ("/api/v1/members/", "api: members"),
                ("/api/v1/news/", "api: news"),
                ("/api/v1/roadmaps/", "api: roadmaps"),
                ("/api/v1/meetings/", "api: meetings"),
                ("/api/v1/invoices/", "api: invoices"),
            ]
        )
        self.page(path, name)


class Ministry(FastHttpUser):
    weight = 10
    wait_time = between(*WAIT)
    network_timeout = 30.0

    def on_start(self) -> None:
        platform = PLAN["platform"]
        self.headers = {"Host": platform["host"], "Cookie": cookie_header(platform["sessions"]["federal"])}

    @task
    def dashboard(self) -> None:
        strict_get(self.client, "/ministry/", self.headers, "page: ministry dashboard")
