from django import forms
from django.core.files.uploadedfile import UploadedFile

from articles.models import Article, Author
from lifescope.images import validate_image_upload


def _checked_upload(image):
    # Only a new upload needs checking; a stored image passed when it was uploaded.
    if isinstance(image, UploadedFile):
        validate_image_upload(image)
    return image


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "slug", "standfirst", "body",
            "hero_image", "hero_alt", "hero_caption", "hero_credit",
            "section", "tags", "author", "byline", "featured",
            "status", "published_at", "comments_open", "seo_description",
        ]  # fmt: skip
        widgets = {
            "standfirst": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 24}),
        }

    def clean_hero_image(self):
        return _checked_upload(self.cleaned_data.get("hero_image"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hero_image") and not cleaned.get("hero_alt", "").strip():
            self.add_error("hero_alt", "Describe the image for readers who cannot see it.")
        return cleaned


class AuthorAdminForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["name", "slug", "bio", "photo"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def clean_photo(self):
        return _checked_upload(self.cleaned_data.get("photo"))

    def clean(self):
        cleaned = super().clean()
        # Pages must never name the login: it is half of what a password guesser needs.
        login = self.instance.user.get_username().lower()
        for field, what in (("slug", "address"), ("name", "name")):
            if cleaned.get(field, "").strip().lower() == login:
                self.add_error(field, f"The {what} must not be the writer’s login name.")
        return cleaned
