"""Reading the discussion's rules."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.django_db
def test_reading_the_rules_writes_nothing(article: Any, django_assert_num_queries: Any) -> None:
    from gazette.comments.models import DiscussionSettings
    from gazette.comments.rules import DiscussionRules, site_rules

    DiscussionSettings.objects.all().delete()
    site = article.get_site()
    with django_assert_num_queries(1):  # one SELECT, no INSERT of a settings row
        rules = site_rules(site)
    assert not DiscussionSettings.objects.exists()
    assert rules == site_rules(site) and isinstance(rules, DiscussionRules)
    stored = DiscussionSettings.for_site(site)  # the row Wagtail makes has the same values
    assert site_rules(site) == rules
    assert stored.pk is not None
