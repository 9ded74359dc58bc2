"""Shared test data for the spam defence's Django side."""

from __future__ import annotations

from urllib.parse import urlencode

from gazette.antispam.engine.tests.samples import HAM_TEXTS, SPAM_TEXTS

__all__ = ["BLOG", "FORM", "HAM_TEXTS", "SPAM_TEXTS", "comment", "form_post"]

FORM = "application/x-www-form-urlencoded"

BLOG = "https://blog.example.org"


def comment(key: str, **fields: str) -> dict[str, str]:
    """A comment-check form as a careful client sends it."""
    data = {
        "api_key": key,
        "blog": BLOG,
        "user_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0",
        "referrer": "https://blog.example.org/2024/05/harbour/",
        "permalink": "https://blog.example.org/2024/05/harbour/",
        "comment_type": "comment",
        "comment_author": "Ann Reader",
        "comment_author_email": "ann@example.net",
        "comment_content": HAM_TEXTS[0],
    }
    data.update(fields)
    return data


def wordpress_request(key: str, extra_fields: int = 300) -> dict[str, str | list[str]]:
    """What the WordPress Akismet plugin posts: the comment plus the whole $_SERVER and $_POST."""
    data: dict[str, str | list[str]] = dict(comment(key))
    data.update({
        "blog_lang": "en_US",
        "blog_charset": "UTF-8",
        "comment_date_gmt": "2024-05-01 10:00:00",
        "comment_post_modified_gmt": "2024-04-30 08:00:00",
        "user_role": "",
        "honeypot_field_name": "ak_hp_textarea",
        "ak_hp_textarea": "",
        "comment_context[]": ["harbour", "council"],
        "comment_post_ID": "273568",
        "comment_parent": "0",
        "akismet_comment_nonce": "passed",
        "POST_comment": HAM_TEXTS[0],
    })
    for i in range(extra_fields):
        data[f"SERVER_HTTP_X_CUSTOM_{i}"] = f"value {i}"
    return data


def form_post(client, path: str, data: dict | None = None, **extra):
    """POST ``data`` form-encoded, as Akismet clients do (the test client's default is
    multipart, which the API refuses)."""
    return client.post(path, urlencode(data or {}, doseq=True), content_type=FORM, **extra)
