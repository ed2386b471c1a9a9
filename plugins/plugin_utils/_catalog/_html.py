# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""A small, tolerant element tree built with html.parser.

The catalog's pages are ASP.NET WebForms output: mostly well formed, with void
elements (<input>, <img>, <br>) written both as `<x>` and `<x />`. This builder
keeps just enough to find elements by id and read their text; an end tag that
does not match an open element is ignored, one that matches an outer element
closes everything inside it (what browsers do for stray/missing end tags).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

# HTML void elements never have children or end tags.
VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input",
                  "link", "meta", "param", "source", "track", "wbr"))

_WS = re.compile(r"\s+")


class Node(object):
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag, attrs, parent=None):
        self.tag = tag
        self.attrs = attrs
        self.children = []
        self.parent = parent

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def iter(self, tag=None):
        """Depth-first walk over descendant elements (not text)."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if isinstance(node, Node):
                if tag is None or node.tag == tag:
                    yield node
                stack.extend(reversed(node.children))

    def raw_text(self):
        parts = []
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if isinstance(node, Node):
                stack.extend(reversed(node.children))
            else:
                parts.append(node)
        return "".join(parts)

    def text(self):
        """Text content with runs of white space collapsed to one space."""
        return _WS.sub(" ", self.raw_text()).strip()


class _Builder(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.ids = {}

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict((k, v if v is not None else "") for k, v in attrs), self.stack[-1])
        self.stack[-1].children.append(node)
        ident = node.attrs.get("id")
        if ident and ident not in self.ids:
            self.ids[ident] = node
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


class Document(object):
    def __init__(self, root, ids):
        self.root = root
        self._ids = ids

    def by_id(self, ident):
        return self._ids.get(ident)

    def iter(self, tag=None):
        return self.root.iter(tag)


def decode_body(body):
    """Bytes or str -> str, dropping a UTF-8 byte order mark (the 2025 pages start with one)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if body.startswith("\ufeff"):
        body = body[1:]
    return body


def parse(body):
    builder = _Builder()
    builder.feed(decode_body(body))
    builder.close()
    return Document(builder.root, builder.ids)
