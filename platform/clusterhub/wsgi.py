"""WSGI entry point."""

from django.core.wsgi import get_wsgi_application

from clusterhub.entry import configure

configure()  # fails closed in production without an explicit settings module
application = get_wsgi_application()
