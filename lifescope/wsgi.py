import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings")

application = get_wsgi_application()

from lifescope.guard import read_chunked_bodies  # noqa: E402 - needs the settings above

application = read_chunked_bodies(application)
