"""The public tenant registry: Cluster and Domain (public schema), provisioning, host routing
and the cluster's time zone per request, typed requests, schema operations.

The cluster areas (members, governance, events, roadmap, fees, content, reporting) are
sub-packages living in every tenant schema; this root never imports them (but for the worker
heartbeat in tasks.py; the demo that spans them is `clusterhub.demo`). See tenants/README.md.
"""
