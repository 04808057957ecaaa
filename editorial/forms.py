from django import forms
from django.utils import timezone
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
)
from js_asset import Media, Script

from articles.forms import ArticleAdminForm
from editorial import revisions

# What editors can format. Every tag these produce is in lifescope.sanitize's allowlist, so the
# sanitiser keeps the editor's output as it is (tests/editorial/test_editor.py checks that); an
# embed comes back as the card lifescope.embeds makes of its address.
EDITOR_CONFIG = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Underline": True,
        "Strike": True,
        "Subscript": True,
        "Superscript": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "HorizontalRule": True,
        "HardBreak": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "Figure": True,
        "Caption": True,
        "Image": True,
        # Ours (editorial/static/editorial/embed.js): lifescope.embeds turns it into a card.
        "Embed": True,
    }
}


class BodyEditorWidget(AdminProseEditorWidget):
    """django-prose-editor in the admin, started by our module that keeps to the CSP."""

    def __init__(self, **kwargs):
        super().__init__(config=EDITOR_CONFIG, preset="lifescope", **kwargs)

    @property
    def media(self):
        return prose_editor_admin_media + Media(
            css={"all": ["editorial/editor.css"]},
            js=[prose_editor_js, Script("editorial/editor.js", type="module")],
        )


class EditorialArticleForm(ArticleAdminForm):
    """The article form, with the WYSIWYG body, the correction and the version it was loaded at."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(ArticleAdminForm.Meta):
        fields = [*ArticleAdminForm.Meta.fields, "correction"]
        widgets = {
            **ArticleAdminForm.Meta.widgets,
            "body": BodyEditorWidget(),
            "correction": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "loaded_version" in self.fields:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "loaded_version" in self.fields:
            loaded = cleaned.get("loaded_version")
            if loaded != self.instance.version:
                who, when = revisions.latest_change(self.instance)
                raise forms.ValidationError(
                    "%(who)s changed this article at %(when)s, after you opened it. Nothing was "
                    "saved; your version is still in the form below. Open the article in a new "
                    "tab to see theirs, bring your changes over, then save there.",
                    code="stale",
                    params={
                        "who": who,
                        "when": timezone.localtime(when).strftime("%H:%M on %d %b %Y"),
                    },
                )
        return cleaned
