"""ASGI entry point."""

from django.core.asgi import get_asgi_application

from clusterhub.entry import configure

configure()  # fails closed in production without an explicit settings module
application = get_asgi_application()
