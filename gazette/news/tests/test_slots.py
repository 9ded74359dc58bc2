import pytest
from django.test import Client
from wagtail import hooks

pytestmark = pytest.mark.django_db


def test_other_parts_plug_into_the_article_page_through_hooks(article, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False

    def signup_box(request, page):
        return f'<p class="probe">Always be the first to know about {page.title}</p>'

    with hooks.register_temporarily("gazette_article_after_body", signup_box):
        html = Client().get(article.url).content.decode()
    assert f'<p class="probe">Always be the first to know about {article.title}</p>' in html
    assert 'class="probe"' not in Client().get(article.url).content.decode()


def test_empty_slots_render_nothing(article, monkeypatch):
    # Parts installed with the site (the alerts box) fill the slot; here nothing is plugged in.
    monkeypatch.setitem(hooks._hooks, "gazette_article_after_body", [])
    html = Client().get(article.url).content.decode()
    assert '<div class="slot slot--after-body"></div>' in html


def test_site_slot_footer_takes_what_parts_plug_in(article, settings, monkeypatch):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    monkeypatch.setitem(hooks._hooks, "gazette_site_footer", [])

    def footer_probe(request):
        return '<p class="footer-probe">probe</p>'

    with hooks.register_temporarily("gazette_site_footer", footer_probe):
        html = Client().get("/").content.decode()
    footer = html.split('<footer class="site-footer"', 1)[1]
    assert '<p class="footer-probe">probe</p>' in footer
    assert "footer-probe" not in Client().get("/").content.decode()
