"""A reader's display name, asked at sign-up and changed on the account page.

The display name is the account's `first_name` (`last_name` stays empty for readers), so
Django's `get_full_name()` reads it and no table of our own is needed. `display_name` is
django-allauth's ACCOUNT_USER_DISPLAY: every page, e-mail and comment that names a reader asks
allauth's `user_display()`, which never falls back to the login username.
"""

from django import forms
from django.db import transaction

from comments import services as comments
from comments.forms import clean_name

# What a comment stores of a name (comments.models.Comment.name).
MAX_LENGTH = 80


def display_name(user):
    """The name a reader chose; staff are named as the newsroom named them."""
    return user.get_full_name() or "Lifescope reader"


class NameField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=MAX_LENGTH,
            label="Display name",
            help_text="Shown with your comments. It need not be your real name.",
            **kwargs,
        )

    def clean(self, value):
        return clean_name(super().clean(value))


class SignupForm(forms.Form):
    """The fields allauth's sign-up form adds to its own (ACCOUNT_SIGNUP_FORM_CLASS)."""

    name = NameField(widget=forms.TextInput(attrs={"autocomplete": "nickname"}))
    field_order = ["name", "email", "password1", "password2"]

    def signup(self, request, user):
        set_name(user, self.cleaned_data["name"])


class DisplayNameForm(forms.Form):
    name = NameField(widget=forms.TextInput(attrs={"autocomplete": "nickname"}))


def set_name(user, name):
    """Names the reader `name`, on their account and over their comments."""
    with transaction.atomic():
        user.first_name, user.last_name = name, ""
        user.save(update_fields=["first_name", "last_name"])
        comments.rename_reader(user, name)


class DeleteAccountForm(forms.Form):
    KEEP, REMOVE = "keep", "remove"
    comments = forms.ChoiceField(
        label="Your comments",
        choices=[
            (REMOVE, "Delete my comments, and the replies under them"),
            (KEEP, "Keep my comments on the site, signed “deleted reader”"),
        ],
        widget=forms.RadioSelect,
        initial=REMOVE,
    )
