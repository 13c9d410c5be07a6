"""/api/v1/registry/: the cluster's Minpromtorg registry application (Decree No. 779)."""
