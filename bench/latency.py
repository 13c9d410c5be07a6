"""Row 3: in-process latency (django.test.Client) of a trivial cluster page vs the public home."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.test import Client

from .fixtures import REQUEST_CLUSTER, host_of, to_public_schema
from .routing import stock_settings

WARMUP = 20
SAMPLES = 200


@dataclass(frozen=True)
class Latency:
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        # 19 cut points split the data into 20 groups; the last one is the 95th percentile.
        return statistics.quantiles(self.samples_ms, n=20, method="inclusive")[-1]


def measure(host: str, path: str = "/", *, samples: int = SAMPLES, warmup: int = WARMUP) -> Latency:
    client = Client(HTTP_HOST=host)
    for _ in range(warmup):
        client.get(path)
    timings: list[float] = []
    for _ in range(samples):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} on {host}: {response.status_code}")
    return Latency(timings)


@dataclass(frozen=True)
class LatencyResult:
    cluster_page: Latency
    public_home: Latency
    cluster_page_stock: Latency


def run() -> LatencyResult:
    cluster_host = host_of(REQUEST_CLUSTER)
    cluster_page = measure(cluster_host)
    public_home = measure(host_of(None))
    with stock_settings():
        cluster_page_stock = measure(cluster_host)
    to_public_schema()
    return LatencyResult(
        cluster_page=cluster_page, public_home=public_home, cluster_page_stock=cluster_page_stock
    )
