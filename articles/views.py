import hashlib
import time

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signing import Signer
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles.models import Article, Author, Section, article_page
from lifescope import page_cache
from lifescope.pagination import CappedPaginator

# A reader's article page carries this signed header naming the article, so the view counter
# recognises it even when a page cache serves it without running the view. The counter strips
# the header before the response leaves the site.
ARTICLE_VIEW_HEADER = "X-Lifescope-Article"
ARTICLE_VIEW_SIGNER = Signer(salt="lifescope.article-view")


def expires_with_next_story(request, name, **filters):
    """Tells the page cache that the page `request` renders, which lists the published stories
    matching `filters`, stops being true when the next of them is scheduled to come out; returns
    that time (epoch seconds, 0.0 for none). The time is kept as a fragment retired by `name`,
    the name a change of those stories retires (lifescope/page_cache.py)."""

    def next_story():
        upcoming = Article.objects.filter(
            status=Article.Status.PUBLISHED, published_at__gt=timezone.now(), **filters
        )
        when = upcoming.order_by("published_at").values_list("published_at", flat=True)
        return when[0].timestamp() if when else 0.0

    when = page_cache.fragment(
        f"articles:next-story:{name}",
        [name],
        next_story,
        still=lambda when: not when or when > time.time(),
    )
    if when:
        page_cache.expires_at(request, when)
    return when


class PublishedArticlesMixin:
    """Shared by every public listing: the visibility gate, card loading, page size, and what
    the page cache needs to know of the listing (lifescope/page_cache.py)."""

    paginate_by = settings.LIFESCOPE["ARTICLES_PER_PAGE"]
    # No listing counts the whole table on each request (lifescope/pagination.py).
    paginator_class = CappedPaginator
    context_object_name = "articles"
    # Listings stop at lifescope.pagination.MAX_PAGES pages; the last links to the archive.
    capped = True

    def published_articles(self):
        return Article.objects.published().for_cards().latest_first()

    def listed(self, page_name, **filters):
        """Tells the page cache (lifescope/page_cache.py) that this page is `page_name`, which
        lists the published stories matching `filters`: it is retired when they change, and
        expires when the next of them is scheduled to come out. Both that time and the
        listing's count are kept as fragments under the same name."""
        self.page_name = page_name
        page_cache.depends_on(self.request, page_name)
        self.next_story = expires_with_next_story(self.request, page_name, **filters)

    page_name = next_story = None

    def get_paginator(self, queryset, *args, **kwargs):
        return super().get_paginator(
            queryset,
            *args,
            uncapped=not self.capped,
            kept_as=self.page_name,
            until=self.next_story,
            **kwargs,
        )

    def paginate_queryset(self, queryset, page_size):
        # A page past the end is a missing page (404); a page that is not a number is a bad link.
        if not self.request.GET.get(self.page_kwarg, "1").isdigit():
            raise BadRequest("The page number must be a whole number.")
        return super().paginate_queryset(queryset, page_size)


class FrontPageView(PublishedArticlesMixin, ListView):
    template_name = "articles/front_page.html"

    def get(self, request, *args, **kwargs):
        self.listed("front")
        # Two index-friendly lookups: sorting every published row by "featured" does not scale.
        articles = self.published_articles()
        self.lead = articles.filter(featured=True).first() or articles.first()
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        articles = self.published_articles()
        if self.lead:
            articles = articles.exclude(pk=self.lead.pk)
        return articles

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lead"] = self.lead if context["page_obj"].number == 1 else None
        return context


class SectionView(PublishedArticlesMixin, ListView):
    template_name = "articles/section.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        self.listed(f"section:{self.section.pk}", section=self.section)
        return self.published_articles().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(PublishedArticlesMixin, ListView):
    template_name = "articles/tag.html"
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        self.listed(f"tag:{self.tag.pk}", tags=self.tag)
        return self.published_articles().filter(tags=self.tag)

    def get_paginator(self, queryset, *args, **kwargs):
        # The page walks the published index from its newest end and stops at ten of the
        # tag's stories; a count that way would walk all of it (145 ms at 100,000 articles
        # on SQLite). Counted from the tag's own rows instead, each checked by id.
        counted = Article.objects.published().tag_rows(self.tag)
        return super().get_paginator(queryset, *args, counted=counted, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorView(PublishedArticlesMixin, ListView):
    template_name = "articles/author.html"
    # Only people with published work have a public page; other accounts stay unlisted.
    allow_empty = False

    def get_queryset(self):
        # By the public slug only: an address made of a login name is simply not found.
        authors = Author.objects.filter(user__is_active=True)
        self.author = get_object_or_404(authors, slug=self.kwargs["slug"])
        self.listed(f"author:{self.author.user_id}", author_id=self.author.user_id)
        return self.published_articles().filter(author_id=self.author.user_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def may_preview(self):
        # Only signed-in staff may preview (the site has Django's ModelBackend alone, which
        # grants nothing to anonymous users); asking the backends for every reader costs time.
        user = self.request.user
        return user.is_authenticated and user.has_perm("articles.preview_article")

    def get_queryset(self):
        # Cards' loading: the page fetches its tags itself, once (articles.jinja.article_tags).
        articles = Article.objects.for_cards()
        return articles if self.may_preview() else articles.published()

    def get_object(self, queryset=None):
        if self.may_preview():
            return super().get_object(queryset)
        # A reader's article is kept as a page-cache fragment until a change of it retires its
        # page, so a page rendered afresh for another reason (its lifetime ended, a comment
        # was approved) does not look it up again.
        slug = self.kwargs["slug"]
        article = page_cache.fragment(
            f"articles:article:{hashlib.md5(slug.encode()).hexdigest()}",
            lambda article: [article_page(article.pk)],
            lambda: self.get_queryset().filter(slug=slug).first(),
        )
        if article is None or not article.is_public:
            raise Http404("No article found")
        return article

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.object.is_public:
            page_cache.depends_on(self.request, article_page(self.object.pk))
            response[ARTICLE_VIEW_HEADER] = ARTICLE_VIEW_SIGNER.sign(str(self.object.pk))
        else:
            # A preview must never be cached by a browser or proxy, nor indexed.
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response
