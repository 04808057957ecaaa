from django.http import Http404
from django.views.generic import TemplateView

from analytics import rankings
from articles.models import article_page
from lifescope import page_cache


class PopularView(TemplateView):
    """The most-read articles, one tab per window; the tabs are plain links."""

    template_name = "analytics/popular.html"

    def get_context_data(self, **kwargs):
        window = self.request.GET.get("window", rankings.default_window())
        if window not in rankings.WINDOWS:
            raise Http404("No such ranking")
        entries = rankings.popular(window)
        # Retired (and purged from HTTP caches) when a story it lists changes: taken down,
        # retitled. New view counts show within the page's lifetime.
        page_cache.depends_on(self.request, *(article_page(e.article.pk) for e in entries))
        return super().get_context_data(
            window=window,
            window_label=rankings.WINDOWS[window],
            windows=rankings.WINDOWS,
            entries=entries,
            **kwargs,
        )
