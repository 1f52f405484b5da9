"""WSGI entry point, as gunicorn serves it: `gunicorn intimacy_app.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intimacy_app.settings")

application = get_wsgi_application()
