"""Embeds: allowlisted addresses become cards that load nothing; everything else stays inert."""

import pytest

from lifescope.embeds import provider_for
from lifescope.sanitize import clean_html
from tests.xss import xss_vectors

# (address, provider) for each provider on the allowlist, in the forms people copy.
RECOGNISED = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
    ("https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s", "youtube"),
    ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "youtube"),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube"),
    ("https://vimeo.com/76979871", "vimeo"),
    ("https://player.vimeo.com/video/76979871", "vimeo"),
    ("https://x.com/lifescope/status/1790000000000000000", "x"),
    ("https://twitter.com/lifescope/status/1790000000000000000", "x"),
    ("https://mastodon.social/@Gargron/109318821117356215", "mastodon"),
    ("https://fosstodon.org/@someone@example.social/110000000000000000", "mastodon"),
    ("https://bsky.app/profile/lifescope.bsky.social/post/3kq2w7xvn5e2a", "bluesky"),
    ("https://soundcloud.com/lifescope/morning-briefing", "soundcloud"),
    ("https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk", "spotify"),
]


@pytest.mark.parametrize(("url", "provider"), RECOGNISED)
def test_each_allowlisted_address_alone_in_a_paragraph_becomes_a_card(url, provider):
    card = clean_html(f"<p>{url.replace('&', '&amp;')}</p>")

    assert card.startswith(f'<figure class="embed" data-provider="{provider}">')
    assert f'href="{url.replace("&", "&amp;")}"' in card
    assert "<iframe" not in card and "<img" not in card and "<script" not in card


def test_the_card_names_the_provider_and_links_to_the_original():
    card = clean_html(
        '<p><a href="https://youtu.be/dQw4w9WgXcQ">https://youtu.be/dQw4w9WgXcQ</a></p>'
    )

    assert card == (
        '<figure class="embed" data-provider="youtube">'
        '<figcaption class="embed__provider">YouTube video</figcaption>'
        '<a class="embed__link" href="https://youtu.be/dQw4w9WgXcQ">Watch on YouTube'
        '<span class="embed__address">youtu.be/dQw4w9WgXcQ</span></a></figure>'
    )


def test_an_embed_figure_from_the_editor_is_rebuilt_from_its_link_alone():
    from_editor = (
        '<figure class="embed" onclick="x()" style="color:red"><figcaption>Anything</figcaption>'
        '<a href="https://bsky.app/profile/a.bsky.social/post/3kabc">anything</a></figure>'
    )

    assert clean_html(from_editor) == clean_html(
        "<p>https://bsky.app/profile/a.bsky.social/post/3kabc</p>"
    )


NOT_EMBEDDED = [
    # Lookalike and decoy hosts.
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil-youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example\\@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com./watch?v=dQw4w9WgXcQ",
    "https://www.yоutube.com/watch?v=dQw4w9WgXcQ",  # Cyrillic "о"
    "https://mastodon.evil.example/@Gargron/109318821117356215",
    # Allowlisted hosts, but not one video or post.
    "https://www.youtube.com/",
    "https://www.youtube.com/redirect?q=https://evil.example",
    "https://x.com/lifescope",
    # Other schemes.
    "javascript:alert(1)//https://youtu.be/dQw4w9WgXcQ",
    "data:text/html,https://youtu.be/dQw4w9WgXcQ",
    "ftp://youtu.be/dQw4w9WgXcQ",
    "//youtu.be/dQw4w9WgXcQ",
]


@pytest.mark.parametrize("url", NOT_EMBEDDED)
def test_other_addresses_make_no_card(url):
    assert provider_for(url) is None
    assert "<figure" not in clean_html(f"<p>{url}</p>")
    assert "<figure" not in clean_html(f'<p><a href="{url}">{url}</a></p>')


def test_an_address_that_is_not_allowlisted_stays_a_plain_link():
    markup = '<p><a href="https://example.com/report">https://example.com/report</a></p>'

    assert clean_html(markup) == markup


def test_a_link_with_words_of_its_own_stays_a_link():
    markup = '<p><a href="https://youtu.be/dQw4w9WgXcQ">Watch the launch</a></p>'

    assert clean_html(markup) == markup


def test_an_address_inside_a_sentence_stays_text():
    markup = "<p>See https://youtu.be/dQw4w9WgXcQ for the launch.</p>"

    assert clean_html(markup) == markup


HOSTILE = [
    '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
    '<p><iframe src="https://www.youtube-nocookie.com/embed/x" allowfullscreen></iframe></p>',
    '<blockquote class="twitter-tweet"><a href="https://x.com/a/status/1">x</a></blockquote>'
    '<script async src="https://platform.twitter.com/widgets.js"></script>',
    '<figure class="embed"><a href="javascript:alert(1)">https://youtu.be/dQw4w9WgXcQ</a></figure>',
    '<figure class="embed"><a href="data:text/html;base64,PHNjcmlwdD4=">x</a></figure>',
    '<figure class="embed"><img src="https://i.ytimg.com/vi/dQw4w9WgXcQ/0.jpg"></figure>',
    '<p><a href="https://youtu.be/dQw4w9WgXcQ" onclick="steal()">https://youtu.be/dQw4w9WgXcQ</a></p>',
    '<object data="https://youtu.be/dQw4w9WgXcQ"></object><embed src="https://youtu.be/x">',
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_hostile_embed_markup_loads_and_runs_nothing(markup):
    cleaned = clean_html(markup)

    for residue in ("<iframe", "<script", "<object", "<embed", "<img", "javascript:", "data:",
                    "onclick", "ytimg", "platform.twitter"):  # fmt: skip
        assert residue not in cleaned, residue


def test_an_embed_figure_without_an_allowlisted_link_becomes_that_link_or_nothing():
    assert clean_html('<figure class="embed"><a href="https://example.com/x">x</a></figure>') == (
        '<p><a href="https://example.com/x">https://example.com/x</a></p>'
    )
    assert clean_html('<figure class="embed"><p>No link at all</p></figure>') == ""


SAMPLES = [
    *(f"<p>{url}</p>" for url, _ in RECOGNISED),
    *(f"<p>{url}</p>" for url in NOT_EMBEDDED),
    *HOSTILE,
    "<ul><li><p>https://youtu.be/dQw4w9WgXcQ</p></li></ul><p>After</p>",
    '<a href="https://example.com"><figure class="embed"><a href="https://youtu.be/dQw4w9WgXcQ">x</a></figure></a>',
    "<p>https://youtu.be/dQw4w9WgXcQ?list=a&amp;index=2</p>",
    *xss_vectors(),
]


@pytest.mark.parametrize("markup", SAMPLES)
def test_cleaning_twice_changes_nothing_more(markup):
    once = clean_html(markup)

    assert clean_html(once) == once
