"""The helpers of `make bench-load` that its numbers rest on: the multipart body of the locust
roadmap upload (parsed by Django as the API parses it), the CPU and memory read from /proc, and
the cookies of the sign-in."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser

from bench.load import cookies_of, cpu_ms_per_request, cpu_seconds, rss_mb
from bench.loadkit import cookie_header, multipart
from deploy.localstack import Response

SEED = Path(__file__).resolve().parents[1] / "tenants" / "roadmap" / "demo_data" / "seed_001_roadmap_2018.txt"


def test_multipart_body_is_what_django_parses() -> None:
    content = SEED.read_bytes()
    body, content_type = multipart({"title": "Нагрузочный импорт"}, "file", "roadmap.txt", content)
    parser = MultiPartParser(
        {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))},
        io.BytesIO(body),
        [MemoryFileUploadHandler(), TemporaryFileUploadHandler()],
        "utf-8",
    )
    post, files = parser.parse()
    assert post["title"] == "Нагрузочный импорт"
    upload = files.get("file")
    assert upload is not None and not isinstance(upload, list)
    assert upload.name == "roadmap.txt"
    assert upload.read() == content
    assert len(content) > 8 * 1024  # over nginx's in-memory body buffer (8 kB on x86-64): a temp file


def test_cpu_and_memory_of_a_process_from_proc() -> None:
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert cpu_seconds(os.getpid()) > before
    assert 10 < rss_mb(os.getpid()) < 4096


def test_cpu_ms_per_request_sums_the_workers() -> None:
    assert cpu_ms_per_request({1: 1.0, 2: 2.0}, {1: 1.5, 2: 3.0}, 500) == pytest.approx(3.0)
    with pytest.raises(RuntimeError, match="workers changed"):
        cpu_ms_per_request({1: 1.0, 2: 2.0}, {1: 1.5, 3: 0.1}, 500)


def test_session_cookies_of_a_sign_in() -> None:
    answer = Response(
        302,
        [
            (
                "Set-Cookie",
                "csrftoken=abc; expires=Tue, 07 Dec 2027 00:00:00 GMT; Path=/; SameSite=Lax; Secure",
            ),
            ("Set-Cookie", "sessionid=xyz; HttpOnly; Path=/; SameSite=Lax; Secure"),
        ],
        b"",
    )
    cookies = cookies_of(answer)
    assert cookies == {"csrftoken": "abc", "sessionid": "xyz"}
    assert cookie_header(cookies) == "csrftoken=abc; sessionid=xyz"
