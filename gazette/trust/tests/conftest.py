import pytest


@pytest.fixture
def trust_pages(db, django_capture_on_commit_callbacks):
    """The demo's five trust pages under the front page, published (and the footer's cache
    told, as a real publication would)."""
    from gazette.news.testing import home_page
    from gazette.trust.demo import demo_load

    home_page()
    with django_capture_on_commit_callbacks(execute=True):
        demo_load()
    from wagtail.models import Page

    return {page.slug: page.specific for page in Page.objects.filter(
        slug__in=["about", "newsroom", "contact", "privacy", "terms"])}


@pytest.fixture
def contact(trust_pages):
    return trust_pages["contact"]
