"""WSGI entry point for HTTP only (pages and the API), e.g. gunicorn in the production split of
docs/deploy.md. Room WebSockets need ASGI: config/asgi.py on Daphne."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
