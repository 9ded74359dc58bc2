import pytest
from django.core.cache import cache

IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "alerts"],
    }
}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run inline in tests; the end-to-end tests start real workers instead."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def section(db):
    from gazette.news.testing import make_section

    return make_section("World")


@pytest.fixture
def article(section):
    from gazette.news.testing import make_agency, make_article, make_author

    return make_article(
        section,
        authors=[make_author()],
        agency=make_agency(),
        tags=["Harbour", "Climate"],
    )
