"""Clusters (tenants): the Cluster and Domain models, routing and provisioning."""
