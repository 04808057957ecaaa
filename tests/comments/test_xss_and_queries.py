"""Whatever a reader types renders inert, and the page costs the same with 1 or 200 comments."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import services
from comments.models import Comment
from tests.factories import ApprovedCommentFactory, ArticleFactory, UserFactory
from tests.lifescope.test_query_budgets import BUDGETS, FIRST_AFTER_A_CHANGE

pytestmark = pytest.mark.django_db

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "<div><p><b>nested <i>unclosed",
    "</textarea><script>alert(1)</script>",
    "<!-- <script>alert(1)</script> -->",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    'http://evil.example/"onmouseover="alert(1)',
    "https://example.com/<script>alert(1)</script>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",  # fullwidth angle brackets
    "java\u200bscript:alert(1)",  # zero-width space
    "\u202egnp.exe",  # right-to-left override
    "&lt;script&gt;alert(1)&lt;/script&gt;",  # pre-escaped
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "{{ request.user }} {% csrf_token %}",  # template syntax is just text
]

INERT_TAGS = {"p", "br", "a"}


class Elements(HTMLParser):
    """Every element and attribute inside the comment bodies of a page."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.found = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.found.append((tag, dict(attrs)))
            if tag not in ("br",):
                self.depth += 1
        elif ("class", "comment__body") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_hostile_comments_render_as_inert_text(client, post_comment, payload):
    article = ArticleFactory()
    posted = post_comment(article, body=f"Before {payload} after")
    services.approve(Comment.objects.all())

    page = client.get(article.get_absolute_url()).content.decode()

    assert posted.status_code == 302
    parser = Elements()
    parser.feed(page)
    for tag, attrs in parser.found:
        assert tag in INERT_TAGS, (tag, attrs)
        assert set(attrs) <= {"href", "rel"}, attrs
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://")), attrs
            assert attrs["rel"] == "nofollow ugc noopener"
    start = page.index('<section class="comments"')
    section = page[start : page.index("</section>", page.index('id="comment-form"', start))]
    lowered = section.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    assert "<svg" not in lowered and "<style" not in lowered
    assert 'href="javascript' not in lowered
    assert "Before" in section and "after" in section


def test_the_heading_and_count_do_not_trust_the_name(client):
    article = ArticleFactory()
    ApprovedCommentFactory(article=article, name="<b>Bold</b> & co")

    page = client.get(article.get_absolute_url()).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page
    assert "<b>Bold</b>" not in page


def test_article_page_queries_do_not_grow_with_comments(client, django_capture_on_commit_callbacks):
    article, bare = ArticleFactory(), ArticleFactory()
    for warm_up in (article, bare):  # fills the boxes and the pages' fragments
        client.get(warm_up.get_absolute_url())
    without_comments = queries_of(client, bare.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        ApprovedCommentFactory(article=article)
    first_with_one = queries_of(client, article.get_absolute_url())
    with_one = queries_of(client, article.get_absolute_url())

    top = Comment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(199):
            ApprovedCommentFactory(article=article, parent=top if n % 3 == 0 else None)
    first_with_two_hundred = queries_of(client, article.get_absolute_url())
    with_two_hundred = queries_of(client, article.get_absolute_url())

    assert len(with_one) == len(with_two_hundred) == len(without_comments) == BUDGETS["article"]
    # The first view after a change reads the approved comments (one query, threaded in
    # Python) and keeps the thread it rendered; later views read that back instead.
    assert len(first_with_one) == len(first_with_two_hundred) == FIRST_AFTER_A_CHANGE["article"]
    assert [sql for sql in first_with_two_hundred if "comments_comment" in sql] == [
        sql for sql in first_with_one if "comments_comment" in sql
    ]


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_signed_in_readers_page_costs_no_more_per_comment(client, count_queries):
    client.force_login(UserFactory())
    article = ArticleFactory()
    ApprovedCommentFactory(article=article)
    count_queries(client, article.get_absolute_url())
    _, with_one = count_queries(client, article.get_absolute_url())
    for _ in range(49):
        ApprovedCommentFactory(article=article)
    count_queries(client, article.get_absolute_url())  # the first view stores the new thread
    _, with_fifty = count_queries(client, article.get_absolute_url())

    assert with_one == with_fifty
