"""Benchmarks for clusterhub: `make bench` (or `python -m bench`).

Measures cluster provisioning (clone vs replaying migrations), SET search_path
statements per request (ours vs django-tenants' stock middleware) and in-process
request latency. Works in its own database (clusterhub_bench), never in the demo
or test databases, and removes everything it provisions.
"""
