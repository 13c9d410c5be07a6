"""The helpers of `make bench-load` that its numbers rest on: the multipart body of the locust
roadmap upload (parsed by Django as the API parses it), the CPU and memory read from /proc, the
CPU per request type the workers write, the key of the kept migrated database, and the cookies
of the sign-in."""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from pathlib import Path

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser

import bench.load
from bench.load import cookies_of, cpu_by_type, cpu_ms_per_request, cpu_seconds, migrations_hash, rss_mb
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


def test_cpu_by_type_sums_the_workers_files(tmp_path: Path) -> None:
    """Each worker writes its totals when it exits; a type's requests and CPU add up over them,
    under the locust name (percent-encoded in the header)."""
    name = urllib.parse.quote("portal: «Мои счета»")
    (tmp_path / "totals-101.json").write_text(
        json.dumps(
            {"requests": 5, "thread_cpu": 0.05, "types": {name: [3, 0.03], "api%3A%20news": [1, 0.004]}}
        )
    )
    (tmp_path / "totals-102.json").write_text(
        json.dumps({"requests": 4, "thread_cpu": 0.04, "types": {name: [2, 0.025]}})
    )
    found = cpu_by_type(tmp_path)
    assert found.keys() == {"portal: «Мои счета»", "api: news"}
    assert found["portal: «Мои счета»"][0] == 5
    assert found["portal: «Мои счета»"][1] == pytest.approx(0.055)
    assert found["api: news"] == (1, pytest.approx(0.004))


def test_the_migrated_copy_is_kept_only_for_the_same_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app" / "migrations"
    app.mkdir(parents=True)
    (app / "0001_initial.py").write_text("operations = []\n")
    for name in bench.load.MIGRATION_CODE:  # the migrate command and the schema code
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# v1\n")
    monkeypatch.setattr(bench.load, "ROOT", tmp_path)
    first = migrations_hash()
    assert migrations_hash() == first
    (tmp_path / "app" / "models.py").write_text("# not a migration\n")
    assert migrations_hash() == first
    (app / "0002_field.py").write_text("operations = ['AddField']\n")
    second = migrations_hash()
    assert second != first
    (app / "0002_field.py").write_text("operations = ['AddField', 'AddIndex']\n")
    third = migrations_hash()
    assert third not in (first, second)
    (tmp_path / bench.load.MIGRATION_CODE[0]).write_text("# v2\n")
    assert migrations_hash() not in (first, second, third)
