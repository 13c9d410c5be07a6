"""WSGI entry point."""

import django

from clusterhub.entry import configure

configure()  # fails closed in production without an explicit settings module
django.setup(set_prefix=False)

from clusterhub.wsgi_handler import ClusterhubWSGIHandler  # noqa: E402 (needs the apps loaded)

application = ClusterhubWSGIHandler()
