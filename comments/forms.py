import unicodedata

from allauth.account.utils import user_display
from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone

from comments.models import Comment
from comments.moderation import policy

TOKEN_SALT = "comments.form"
# Letters, marks, numbers, punctuation and symbols; not control or format characters (bidi
# overrides, zero-width joiners) that could disguise a name or reorder the text around it.
NAME_CATEGORIES = frozenset("LMNPS")


def clean_name(value):
    """A name readers will see over comments: spaces collapsed, no control characters. The
    comment form's name and a reader account's display name (accounts/forms.py) both pass it."""
    name = " ".join(value.split())
    if any(unicodedata.category(c)[0] not in NAME_CATEGORIES and c != " " for c in name):
        raise forms.ValidationError("Use letters, numbers and punctuation only.")
    if not name:
        raise forms.ValidationError("This field is required.")
    return name


def form_token(article, now=None):
    """Signed proof of which article's form this is and when it was shown."""
    rendered_at = (now or timezone.now()).timestamp()
    return signing.dumps({"article": article.pk, "at": rendered_at}, salt=TOKEN_SALT)


class TrapInput(forms.TextInput):
    """The honeypot: always shown empty, so a form sent back with errors can be resent."""

    def format_value(self, value):
        return None


class CommentForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name")
    email = forms.EmailField(
        max_length=254, label="E-mail", help_text="Never shown. Only our moderators see it."
    )
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text. Web addresses become links.",
    )
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    token = forms.CharField(widget=forms.HiddenInput)
    # Hidden from people by CSS; bots that fill in every field give themselves away.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=TrapInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # Only in a signed-in reader's form, and only with an address to write to (comments/replies.py).
    notify_replies = forms.BooleanField(
        required=False,
        label="E-mail me when someone replies",
        help_text="To your account’s address, at most once a day for this article. "
        "Each e-mail has a link to stop them.",
    )

    def __init__(self, *args, article, user=None, fingerprint="", user_agent="", **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.user = user if user is not None and user.is_authenticated else None
        self.fingerprint = fingerprint
        self.user_agent = user_agent
        self.fields["body"].widget.attrs["maxlength"] = str(settings.COMMENTS["MAX_LENGTH"])
        if self.user:
            # A signed-in reader comments under their account's name and address.
            del self.fields["name"]
            del self.fields["email"]
        if not (self.user and self.user.email):
            del self.fields["notify_replies"]
        if not self.is_bound and article is not None:
            self.initial.setdefault("token", form_token(article))

    def clean_name(self):
        return clean_name(self.cleaned_data["name"])

    def clean_body(self):
        # Browsers count a line break as one character towards maxlength, and so do we.
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip()
        limit = settings.COMMENTS["MAX_LENGTH"]
        if len(body) > limit:
            raise forms.ValidationError(
                f"Keep your comment to {limit:,} characters; it has {len(body):,}."
            )
        if len(body) < 2:
            raise forms.ValidationError("Write at least a couple of characters.")
        return body

    def clean_website(self):
        error = policy.honeypot_error(self.cleaned_data["website"])
        if error:
            # Shown above the form: the field itself is hidden from people.
            self.add_error(None, error)
        return ""

    def clean_token(self):
        try:
            data = signing.loads(self.cleaned_data["token"], salt=TOKEN_SALT)
            article_pk, rendered_at = data["article"], float(data["at"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                "This form could not be checked. Please reload the page and try again."
            ) from None
        if article_pk != self.article.pk:
            raise forms.ValidationError("This form belongs to another article.")
        error = policy.timing_error(rendered_at)
        if error:
            raise forms.ValidationError(error)
        return self.cleaned_data["token"]

    def clean_parent(self):
        parent_pk = self.cleaned_data["parent"]
        if parent_pk is None:
            return None
        parent = Comment.objects.approved().filter(article=self.article, pk=parent_pk).first()
        if parent is None:
            raise forms.ValidationError(
                "You can only reply to a published comment on this article."
            )
        if parent.depth + 1 > settings.COMMENTS["MAX_DEPTH"]:
            raise forms.ValidationError(
                "This conversation is as deep as it goes. Reply to an earlier comment instead."
            )
        return parent

    duplicate = None  # the reader's earlier comment with the same words, if any

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.comment = self.build_comment()
        self.duplicate = policy.earlier_copy(self.comment)
        return cleaned

    def build_comment(self):
        data = self.cleaned_data
        if self.user:
            # The name the reader chose (ACCOUNT_USER_DISPLAY), never their login.
            name = user_display(self.user)
            email = self.user.email
        else:
            name, email = data["name"], data["email"]
        return Comment(
            article=self.article,
            parent=data.get("parent"),
            user=self.user,
            name=name[:80],
            email=email,
            body=data["body"],
            fingerprint=self.fingerprint,
            user_agent=self.user_agent[:255],
        )
