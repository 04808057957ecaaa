"""Pages that help readers and crawlers find stories: search, the archive and robots.txt."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.views.generic import ListView, TemplateView
from django.views.generic.dates import ArchiveIndexView, MonthArchiveView, YearArchiveView

from articles import search
from articles.models import Section
from articles.views import PublishedArticlesMixin


class DateFilter(forms.DateField):
    """A date picker's filter. It shows back the date the search used, as yyyy-mm-dd, or nothing
    when the filter could not be read and was ignored: HTML's date input takes no other value,
    and showing an ignored date would suggest it had been applied."""

    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})

    def bound_data(self, data, initial):
        try:
            return self.to_python(data)
        except ValidationError:
            return None


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", required=False)
    section = forms.ModelChoiceField(
        Section.objects.all(), required=False, to_field_name="slug", empty_label="All sections"
    )
    since = DateFilter(label="From", required=False)
    until = DateFilter(label="To", required=False)

    def scope(self):
        """The stories to search, by the valid filters; an invalid one is reported, not applied."""
        self.is_valid()
        data = self.cleaned_data
        return search.Scope(data.get("section"), data.get("since"), data.get("until"))


class SearchView(PublishedArticlesMixin, ListView):
    template_name = "articles/search.html"
    context_object_name = "hits"
    paginate_by = settings.DISCOVERY["SEARCH_RESULTS_PER_PAGE"]

    def listing_key(self):
        # Every search has the same path; its matches are bounded and counted by the backend.
        return None

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.query = self.request.GET.get("q", "")
        return search.search(self.query, self.form.scope())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form,
            query=self.query,
            searched=bool(self.object_list.query),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # Result pages are endless and thin; robots.txt asks crawlers to stay out as well.
        response["X-Robots-Tag"] = "noindex, follow"
        return response


class ArchiveMixin(PublishedArticlesMixin):
    date_field = "published_at"
    month_format = "%m"
    # Links to the nearest month with stories, never to an empty page.
    allow_empty = False

    def get_queryset(self):
        return self.published_articles()

    def get_context_data(self, **kwargs):
        # The archive's own pages lead on by year and month, not back to the archive.
        return super().get_context_data(in_archive=True, **kwargs)


class ArchiveView(ArchiveMixin, ArchiveIndexView):
    """The years with stories, then the latest stories themselves."""

    template_name = "articles/archive.html"
    date_list_period = "year"
    allow_empty = True

    def get_dated_items(self):
        items = super().get_dated_items()
        self.listed("archive")
        return items


class ArchiveYearView(ArchiveMixin, YearArchiveView):
    template_name = "articles/archive_year.html"
    make_object_list = True

    def get_dated_items(self):
        items = super().get_dated_items()  # a year that cannot be is a 404 here
        year = int(self.get_year())
        self.listed(f"archive:{year}", published_at__year=year)
        return items


class ArchiveMonthView(ArchiveMixin, MonthArchiveView):
    template_name = "articles/archive_month.html"
    # Where capped listings send readers for older stories: every one of a month's stories
    # must be reachable, and counting them reads one month of the index, not the archive.
    capped = False

    def get_dated_items(self):
        items = super().get_dated_items()
        year, month = int(self.get_year()), int(self.get_month())
        self.listed(
            f"archive:{year}-{month:02d}", published_at__year=year, published_at__month=month
        )
        return items


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"

    def get_context_data(self, **kwargs):
        sitemap = self.request.build_absolute_uri(reverse("sitemap"))
        return super().get_context_data(sitemap_url=sitemap, **kwargs)
