"""Signals articles sends, so other apps can join in without articles importing them."""

from django.dispatch import Signal

# Sent by `manage.py load_demo` inside its transaction, once the demo articles exist, with
# `articles` (the Article objects it created) and `accounts` (username -> demo User).
demo_loaded = Signal()

# Sent once a change of articles has committed (articles.services.changing), with
# `article_ids`: whatever shows articles outside the page cache (the popular box) drops them.
articles_changed = Signal()
