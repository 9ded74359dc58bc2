import pytest
from django.db import connection

from gazette.database import database_optimize

pytestmark = pytest.mark.django_db


def test_optimize_gives_sqlite_planner_statistics(article):
    if connection.vendor != "sqlite":
        assert database_optimize() is False
        return
    assert database_optimize() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'wagtailsearch_indexentry'")
        assert cursor.fetchone()[0] > 0
