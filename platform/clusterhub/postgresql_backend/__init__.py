"""Django's PostgreSQL backend with one fix, under django-tenants (settings.ORIGINAL_BACKEND)."""
