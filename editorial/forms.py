from django import forms
from django.utils import timezone
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
)
from js_asset import Media, Script

from articles.forms import ArticleAdminForm
from articles.models import Article
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


class RestoreForm(forms.Form):
    """Confirms a restore: the version it was confirmed against, and the fields ticked to come
    back beside the words (one box per field of the plan's choices, unticked)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, plan, *args, **kwargs):
        super().__init__(*args, initial={"loaded_version": plan.article.version}, **kwargs)
        self.plan = plan
        for choice in plan.choices:
            box = forms.BooleanField(required=False, label=choice.label)
            if choice.consequence:
                box.widget.attrs["aria-describedby"] = f"restore_{choice.name}_consequence"
            self.fields[f"restore_{choice.name}"] = box

    def choice_fields(self):
        """(Choice, bound checkbox) pairs, for the template."""
        return [(choice, self[f"restore_{choice.name}"]) for choice in self.plan.choices]

    def ticked(self):
        names = [choice.name for choice in self.plan.choices]
        return [name for name in names if self.cleaned_data[f"restore_{name}"]]

    def clean(self):
        cleaned = super().clean()
        slug = self.plan.revision.snapshot.get("slug")
        if cleaned.get("restore_slug") and (
            Article.objects.exclude(pk=self.plan.article.pk).filter(slug=slug).exists()
        ):
            self.add_error(
                "restore_slug",
                f"Another article now has the address {slug}: leave this box unticked, or "
                "change that article's address first.",
            )
        return cleaned
