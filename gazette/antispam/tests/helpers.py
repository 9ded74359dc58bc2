"""Shared test data for the spam defence's Django side."""

from __future__ import annotations

BLOG = "https://blog.example.org"

HAM_TEXTS = [
    "I enjoyed this article about the council budget, thanks for the detail.",
    "The photo of the harbour at dawn is lovely. Who took it?",
    "I disagree with the conclusion; the bus figures were from 2019.",
    "Great interview, the mayor dodged the housing question though.",
    "Could you publish the full report you quote in the third paragraph?",
    "My street flooded too last week, the drains are never cleaned.",
    "Thanks for covering the school concert, our kids loved it.",
    "Is the new cycle lane going to reach the station next year?",
]
SPAM_TEXTS = [
    "Cheap pills online buy now best price free shipping click here",
    "Earn money from home fast, click here to win cash prizes now",
    "Buy cheap followers and likes, best price guaranteed, click now",
    "Win a free iphone now, click here and claim your prize today",
    "Best casino bonus, free spins, win money now, click here",
    "Cheap replica watches online, buy now with discount, click here",
]


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
