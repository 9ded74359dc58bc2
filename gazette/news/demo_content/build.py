"""Small constructors that keep the demo articles readable as data.

Every text in this package was written for the Gazette demo. The world it describes is invented:
the coastal republic of Veloria, its port city of Northport, its neighbours and everyone quoted.
"""

from __future__ import annotations

from typing import Any

EXAMPLE_URL = "https://example.org/"


def p(text: str) -> tuple[str, str]:
    """A paragraph of plain text (the loader escapes it and wraps it in <p>)."""
    return ("paragraph", text)


def h(text: str) -> tuple[str, str]:
    return ("subheading", text)


def q(text: str, speaker: str, source: str = "") -> tuple[str, dict[str, Any]]:
    return ("quotation", {"text": text, "speaker": speaker, "source": source})


def pull(text: str, attribution: str = "") -> tuple[str, dict[str, Any]]:
    return ("pull_quote", {"text": text, "attribution": attribution})


def facts(title: str, *items: str) -> tuple[str, dict[str, Any]]:
    return ("fact_box", {"title": title, "facts": list(items)})


def embed(path: str, title: str, description: str = "",
          provider: str = "") -> tuple[str, dict[str, Any]]:
    """A link card to a made-up document on example.org (never a real third party)."""
    return ("embed", {"url": EXAMPLE_URL + path.lstrip("/"), "title": title,
                      "description": description, "provider": provider})


def figure(caption: str, alt: str, motif: str = "chart") -> tuple[str, dict[str, Any]]:
    """An illustration in the body; the loader draws it with the given motif."""
    return ("image", {"motif": motif, "caption": caption, "alt": alt})
