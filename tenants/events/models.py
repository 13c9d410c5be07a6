"""Events: exhibitions, forums, conferences, participation (tenant schema)."""
