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


def test_empty_slots_render_nothing(article):
    html = Client().get(article.url).content.decode()
    assert '<div class="slot slot--after-body"></div>' in html
