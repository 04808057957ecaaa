from django.urls import path

from articles import discovery_views, feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.FrontPageView.as_view(), name="front_page"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("sections/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("search/", discovery_views.SearchView.as_view(), name="search"),
    path("archive/", discovery_views.ArchiveView.as_view(), name="archive"),
    path("archive/<int:year>/", discovery_views.ArchiveYearView.as_view(), name="archive_year"),
    path(
        "archive/<int:year>/<int:month>/",
        discovery_views.ArchiveMonthView.as_view(),
        name="archive_month",
    ),
    path("feeds/latest/", feeds.LatestArticlesFeed(), name="feed_latest"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("sections/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("tags/<slug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
]
