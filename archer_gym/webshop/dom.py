"""A minimal HTML tree: build pages, write them as HTML, read HTML back, and see what an agent sees.

Pages are built once as :class:`Element` trees (:mod:`archer_gym.webshop.pages`). The server and
the browser get them as HTML (:func:`to_html`); the in-process env reads the tree directly
(:func:`view`), so a step never renders and re-parses HTML. Clients of a server (the HTTP env, the
Selenium env) parse the HTML they receive (:func:`parse_html`) and call the same :func:`view`, so
all three see identical text; ``tests/test_webshop_pages.py`` checks ``view(parse_html(to_html(t)))
== view(t)`` for every page type.

What :func:`view` reports follows WebShop's BeautifulSoup (``html.parser``) reading of a page:

- text nodes are the strings between tags; a string of only ASCII whitespace becomes ``"\\n"``
  if it contains a newline, else ``" "`` (except inside ``pre``/``textarea``); strings whose
  parent is ``style``, ``script``, ``head``, ``title``, ``meta`` or the document are invisible,
  and comments are never text;
- a node's kind: ``button`` (parent ``<button>``), ``label`` (parent ``<label>``), ``link``
  (parent's class is exactly ``product-link``) or ``text``;
- clickables, keyed by lower-cased text: elements of class ``btn``, then ``product-link``
  elements, then radio inputs keyed by their ``value``; ``has_search_bar``: an element with id
  ``search_input`` exists.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
INVISIBLE_PARENTS = frozenset({"style", "script", "head", "title", "meta", "[document]"})
PRESERVE_WHITESPACE = frozenset({"pre", "textarea"})
RAW_TEXT_TAGS = frozenset({"script", "style"})
_ASCII_SPACES = str.maketrans("", "", "\x20\x0a\x09\x0c\x0d")


class Comment(str):
    """An HTML comment kept in a parsed tree: never text, but it separates the strings around it."""


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)


def h(tag: str, attrs: dict[str, str] | None = None, *children: Element | str | None) -> Element:
    """An element; ``None`` children (absent optional parts) are dropped."""
    return Element(tag, attrs or {}, [c for c in children if c is not None])


def document(*children: Element) -> Element:
    return Element("[document]", {}, list(children))


# ------------------------------------------------------------------ writing
def to_html(root: Element) -> str:
    parts: list[str] = ["<!DOCTYPE html>"] if root.tag == "[document]" else []
    _write(root, parts, raw=False)
    return "".join(parts)


def _write(node: Element | str, parts: list[str], raw: bool) -> None:
    if isinstance(node, str):
        parts.append(node if raw else html.escape(node, quote=False))
        return
    if node.tag != "[document]":
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in node.attrs.items())
        parts.append(f"<{node.tag}{attrs}>")
        if node.tag in VOID_TAGS:
            return
    for child in node.children:
        _write(child, parts, raw=node.tag in RAW_TEXT_TAGS)
    if node.tag != "[document]":
        parts.append(f"</{node.tag}>")


# ------------------------------------------------------------------ reading
class _TreeBuilder(HTMLParser):
    """HTML -> :class:`Element` tree, tolerant like BeautifulSoup's ``html.parser`` builder:
    an end tag closes the innermost open element of that name; stray end tags are ignored."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = document()
        self._stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self._stack[-1].children.append(element)
        if tag not in VOID_TAGS:
            self._stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self._stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data):
        children = self._stack[-1].children
        if children and type(children[-1]) is str:
            children[-1] += data
        else:
            children.append(data)

    def handle_comment(self, data):
        self._stack[-1].children.append(Comment(data))


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# ------------------------------------------------------------------ seeing
@dataclass(frozen=True)
class TextNode:
    text: str
    """The string as BeautifulSoup holds it (not stripped)."""
    kind: str
    """``text``, ``button``, ``label`` or ``link``."""


@dataclass(frozen=True)
class Clickable:
    kind: str
    """``button``, ``link`` (a product ASIN) or ``option`` (a radio input)."""
    group: str | None = None
    """For options: the radio group's name (the option name)."""


@dataclass
class PageView:
    """What an agent can read and click on a page."""

    nodes: list[TextNode]
    """Visible text nodes in document order."""
    clickables: dict[str, Clickable]
    has_search_bar: bool
    texts_by_id: dict[str, list[str]]
    """For each element id, the strings inside it (e.g. ``reward`` -> [label, score])."""


def view(root: Element) -> PageView:
    page = PageView([], {}, False, {})
    buttons: list[tuple[str, Clickable]] = []
    links: list[tuple[str, Clickable]] = []
    radios: list[tuple[str, Clickable]] = []
    _visit(root, [], page, buttons, links, radios)
    for key, clickable in buttons + links + radios:
        page.clickables[key] = clickable
    return page


def _strings(element: Element, preserve: bool) -> list[str]:
    """Every string under ``element`` (BeautifulSoup's ``.strings``, comments excluded)."""
    out = []
    for child in _merged(element.children):
        if isinstance(child, Element):
            out += _strings(child, preserve or child.tag in PRESERVE_WHITESPACE)
        elif not isinstance(child, Comment):
            out.append(_collapse(child, preserve))
    return out


def _merged(children: list[Element | str]) -> list[Element | str]:
    """Adjacent strings of a built tree are one text node, as they would be once written and read."""
    merged: list[Element | str] = []
    for child in children:
        if merged and type(child) is str and type(merged[-1]) is str:
            merged[-1] += child
        elif not (type(child) is str and child == ""):
            merged.append(child)
    return merged


def _collapse(text: str, preserve: bool) -> str:
    if preserve or text.translate(_ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def _visit(element: Element, ancestors: list[Element], page: PageView, buttons, links, radios) -> None:
    preserve = any(a.tag in PRESERVE_WHITESPACE for a in ancestors) or element.tag in PRESERVE_WHITESPACE
    classes = element.attrs.get("class", "").split()
    if "id" in element.attrs:
        page.texts_by_id[element.attrs["id"]] = _strings(element, preserve)
        if element.attrs["id"] == "search_input":
            page.has_search_bar = True
    if "btn" in classes:
        buttons.append(("".join(_strings(element, preserve)).lower(), Clickable("button")))
    if "product-link" in classes:
        links.append(("".join(_strings(element, preserve)).lower(), Clickable("link")))
    if element.tag == "input" and element.attrs.get("type") == "radio":
        radios.append((element.attrs.get("value", ""), Clickable("option", element.attrs.get("name", ""))))

    if element.tag in INVISIBLE_PARENTS:
        kind = None
    elif element.tag == "button":
        kind = "button"
    elif element.tag == "label":
        kind = "label"
    elif classes == ["product-link"]:
        kind = "link"
    else:
        kind = "text"
    for child in _merged(element.children):
        if isinstance(child, Element):
            _visit(child, ancestors + [element], page, buttons, links, radios)
        elif kind is not None and not isinstance(child, Comment):
            page.nodes.append(TextNode(_collapse(child, preserve), kind))
