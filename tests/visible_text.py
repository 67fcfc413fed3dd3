"""The text a person reads on a rendered page, for the tests that check what staff see (Vietnamese
labels, no English left)."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """Text between tags and the attributes a browser shows (and submit buttons' values), without
    scripts, styles, icon ligatures (Material Symbols spans: `search`, `close`) and keyboard hints."""

    SKIPPED = {"script", "style", "kbd"}
    SHOWN = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.parts += [value for name, value in attrs if name in self.SHOWN and value]
        if tag == "input" and attributes.get("type") == "submit" and attributes.get("value"):
            self.parts.append(attributes["value"])
        icon = "material-symbols" in (attributes.get("class") or "")
        if (tag in self.SKIPPED or icon or self.skipping) and tag not in VOID:
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> list[str]:
    """The pieces of text shown on `page`, in order, each once."""
    parser = VisibleText()
    parser.feed(page)
    return list(dict.fromkeys(parser.parts))
