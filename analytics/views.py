from django.http import Http404
from django.views.generic import TemplateView

from analytics import rankings


class PopularView(TemplateView):
    """The most-read articles, one tab per window; the tabs are plain links."""

    template_name = "analytics/popular.html"

    def get_context_data(self, **kwargs):
        window = self.request.GET.get("window", rankings.default_window())
        if window not in rankings.WINDOWS:
            raise Http404("No such ranking")
        return super().get_context_data(
            window=window,
            window_label=rankings.WINDOWS[window],
            windows=rankings.WINDOWS,
            entries=rankings.popular(window),
            **kwargs,
        )
