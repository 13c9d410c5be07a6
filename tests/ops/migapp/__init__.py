"""A tenant app that exists only in tests/ops/migapp_settings.py: two migrations to apply."""
