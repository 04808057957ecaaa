"""Reads a page's HTML as a reader sees it, so tests assert on what is shown, not on context.

The public pages render through Jinja2, whose context Django's test client does not capture;
what a test should care about is the HTML anyway.
"""

from html.parser import HTMLParser

# Elements that never have an end tag.
VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    @property
    def text(self):
        """The element's text, whitespace collapsed as a browser shows it."""
        return " ".join("".join(self._strings()).split())

    def _strings(self):
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._strings()

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag=None, class_=None, **attrs):
        """Descendants with this tag, this class among theirs and these attribute values."""
        return [
            element
            for element in self.iter()
            if (tag is None or element.tag == tag)
            and (class_ is None or class_ in element.classes)
            and all(element.attrs.get(name) == value for name, value in attrs.items())
        ]

    def find(self, tag=None, class_=None, **attrs):
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        element = self.current
        while element is not self.root and element.tag != tag:
            element = element.parent
        if element is not self.root:
            self.current = element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def page(response_or_html):
    """The document of a test client response (or of an HTML string)."""
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def texts(response, tag=None, class_=None, **attrs):
    """The text of every matching element, in page order."""
    return [element.text for element in page(response).find_all(tag, class_, **attrs)]


def card_titles(response):
    """The headlines of the story cards listed on a page, lead story included, in order."""
    return texts(response, class_="card__title")


def lead_title(response):
    """The headline of the page's lead story, or None when it has none."""
    lead = page(response).find("article", class_="card--lead")
    return lead.find(class_="card__title").text if lead else None


def search_titles(response):
    return texts(response, class_="search-result__title")
