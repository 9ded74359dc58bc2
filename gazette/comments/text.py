"""Comment text: plain text in, safe HTML out, rendered once when the comment is written.

Paragraphs (blank lines) and line breaks are kept, http(s) and www. addresses become links with
``rel="nofollow ugc noopener"``, everything else is escaped: no markup a reader types is live.
"""

from __future__ import annotations

import re

from django.utils.html import escape

MAX_LENGTHS = {"author": 245, "email": 100, "url": 200, "comment": 65525}

# Stops before trailing punctuation a sentence puts after an address.
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))",
                    re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


# Control characters (NUL among them) and DEL, for str.translate: one C call where a
# character-by-character test cost ~0.1 ms a comment, several times a post.
CONTROL_CHARACTERS = dict.fromkeys([*range(32), 127])
_TEXT_CONTROLS = {code: None for code in CONTROL_CHARACTERS if chr(code) not in "\n\t"}


def normalise(text: str) -> str:
    """Line endings unified, control characters (but tab and newline) and NUL removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_TEXT_CONTROLS).strip()


def count_links(text: str) -> int:
    return len(URL_RE.findall(text))


def _linkify(line: str) -> str:
    out: list[str] = []
    last = 0
    for match in URL_RE.finditer(line):
        out.append(escape(line[last:match.start()]))
        address = match.group(0)
        href = address if "://" in address else f"http://{address}"
        out.append(f'<a href="{escape(href)}" rel="nofollow ugc noopener">{escape(address)}</a>')
        last = match.end()
    out.append(escape(line[last:]))
    return "".join(out)


def render(text: str) -> str:
    """The HTML of a comment: ``<p>`` per paragraph, ``<br>`` per line break, links."""
    paragraphs = [p.strip("\n") for p in _PARAGRAPH_BREAK.split(normalise(text)) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(_linkify(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
