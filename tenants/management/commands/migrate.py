"""`migrate` is `migrate_schemas` (as in django-tenants), with the template schema."""

from .migrate_schemas import Command

__all__ = ["Command"]
