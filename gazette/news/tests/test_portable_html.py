"""Feed HTML (seo.portable_html): an allow-list, absolute URLs, what the body blocks render kept."""

import pytest

from gazette.news.seo import portable_html

BASE = "https://gazette.example"


@pytest.mark.parametrize("html", [
    "<p>Before<script>alert('leak')</script>after</p>",
    "<p>Before<style>p { color: red } /* leak */</style>after</p>",
    "<p>Before<iframe src='https://evil.example/'>leak</iframe>after</p>",
    "<p>Before<noscript>leak</noscript>after</p>",
    "<p>Before<template><p>leak</p></template>after</p>",
    "<p>Before<textarea>leak</textarea>after</p>",
    "<p>Before<svg><script>leak</script></svg>after</p>",
    "<p>Before<!-- leak -->after</p>",
])
def test_script_style_and_their_content_do_not_leak(html):
    out = portable_html(html, BASE)
    assert "leak" not in out
    assert out == "<p>Beforeafter</p>"


def test_unknown_markup_is_dropped_but_its_text_kept():
    out = portable_html('<div class="x"><font color="red">Harbour</font> <marquee>news'
                        "</marquee></div>", BASE)
    assert out == "Harbour news"


def test_event_handlers_and_styles_are_dropped():
    out = portable_html('<p onclick="x()" style="color:red" class="lead">Hi '
                        '<img src="/media/a.png" alt="a" onerror="y()"></p>', BASE)
    assert out == f'<p class="lead">Hi <img src="{BASE}/media/a.png" alt="a"></p>'


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " JaVa\tscript:alert(1)", "vbscript:x", "data:text/html,<b>x</b>",
])
def test_script_urls_are_dropped(url):
    out = portable_html(f'<p><a href="{url}">link</a></p>', BASE)
    assert out == "<p><a>link</a></p>"


def test_links_and_sources_are_made_absolute():
    out = portable_html('<p><a href="/news/story/">a</a> <a href="https://other.example/x">b'
                        '</a> <a href="//cdn.example/y">c</a> <a href="mailto:desk@x.example">d'
                        "</a></p>", BASE)
    assert out == (f'<p><a href="{BASE}/news/story/">a</a> '
                   '<a href="https://other.example/x">b</a> <a href="//cdn.example/y">c</a> '
                   '<a href="mailto:desk@x.example">d</a></p>')


def test_entities_stay_text_and_markup_in_text_stays_escaped():
    out = portable_html("<p>Costs &lt; benefits &amp; &quot;more&quot; &lt;script&gt;x"
                        "&lt;/script&gt; caf&eacute; &#169;</p>", BASE)
    assert out == '<p>Costs &lt; benefits &amp; "more" &lt;script&gt;x&lt;/script&gt; café ©</p>'


def test_what_the_body_blocks_render_is_kept():
    blocks = (
        '<figure class="body-image"><img alt="Quay" height="540" loading="lazy" '
        'src="/media/images/quay.width-960.jpg" width="960"><figcaption>The quay '
        '<span class="credit">Photo: Desk</span></figcaption></figure>'
        '<figure class="quotation"><blockquote><p>We will rebuild.</p></blockquote>'
        '<figcaption><span class="quotation__speaker">The mayor</span></figcaption></figure>'
        '<aside class="fact-box" aria-label="In numbers"><h2>In numbers</h2><ul><li>3 piers'
        "</li></ul></aside>"
        '<aside class="embed-card"><p class="embed-card__provider">Link</p>'
        '<p class="embed-card__title"><a href="https://video.example/v" '
        'rel="noopener noreferrer">Video</a></p></aside>'
        '<h2 class="subheading">Next</h2><p><b>Bold</b>, <i>italic</i></p><ol><li>one</li></ol>'
    )
    assert portable_html(blocks, BASE) == blocks.replace(
        'src="/media/', f'src="{BASE}/media/')
