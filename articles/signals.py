"""Signals articles sends, so other apps can join in without articles importing them."""

from django.dispatch import Signal

# Sent by `manage.py load_demo` inside its transaction, once the demo articles exist, with
# `articles` (the Article objects it created) and `accounts` (username -> demo User).
demo_loaded = Signal()
