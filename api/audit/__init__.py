"""API of the audit log: /api/v1/audit/, the cluster's change log for its admins."""
