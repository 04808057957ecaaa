"""The portable fallback: LIKE over the article table, slow but correct for a small site."""

import re

from django.db.models import Case, IntegerField, Q, Value, When

from articles.models import Article
from articles.search.query import MARK_END, MARK_START, Hit, marked_html, plain_text


class LikeBackend:
    COUNT_LIMIT = None

    def __init__(self, using):
        self.using = using

    def matches(self, query, articles):
        for word in query.terms:
            articles = articles.filter(self._contains(word))
        for word in query.excluded:
            articles = articles.exclude(self._contains(word))
        return articles

    def _contains(self, word):
        tagged = Article.objects.filter(tags__name__icontains=word).values("pk")
        return (
            Q(title__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body__icontains=word)
            | Q(pk__in=tagged)
        )

    def count(self, query, scope):
        return self.matches(query, scope.articles()).count()

    def page(self, query, scope, start, stop):
        title_hits = sum(
            (
                Case(When(title__icontains=word, then=1), default=0, output_field=IntegerField())
                for word in query.terms
            ),
            Value(0),
        )
        ranked = (
            self.matches(query, scope.articles())
            .for_listing()
            .alias(title_hits=title_hits)
            .order_by("-title_hits", "-published_at", "-id")
        )
        pattern = re.compile("|".join(re.escape(word) for word in query.terms), re.IGNORECASE)
        return [
            Hit(article, _mark(article.title, pattern), _mark(_excerpt(article, pattern), pattern))
            for article in ranked[start:stop]
        ]

    def index(self, ids):
        pass

    unindex = index

    def rebuild(self, batch_size):
        pass


def _excerpt(article, pattern, width=120):
    text = " ".join(plain_text(article.body).split())
    found = pattern.search(text)
    if not found:
        return article.standfirst or text[: width * 2]
    start = max(found.start() - width, 0)
    return ("…" if start else "") + text[start : found.end() + width] + "…"


def _mark(text, pattern):
    return marked_html(pattern.sub(lambda m: f"{MARK_START}{m[0]}{MARK_END}", text))
