from gazette.comments import text


def test_markup_is_escaped_and_paragraphs_kept():
    html = text.render('<script>alert(1)</script>\n\nSecond <b>para</b>\nline two')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<p>") == 2
    assert "<br>" in html
    assert "<b>" not in html


def test_urls_become_nofollow_links_without_trailing_punctuation():
    html = text.render("See https://example.org/a?b=1&c=2. And www.example.com, too")
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert '<a href="http://www.example.com" rel="nofollow ugc noopener">' in html
    assert "</a>. And" in html


def test_javascript_addresses_are_not_links():
    html = text.render("javascript:alert(1) and data:text/html,<b>x</b>")
    assert "<a" not in html


def test_control_characters_removed_and_counts_links():
    assert text.normalise("a\x00b\x07c\r\nd") == "abc\nd"
    assert text.count_links("http://a.example http://b.example www.c.example") == 3
