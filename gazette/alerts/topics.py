"""Alert topics: plain strings a subscription lists and an alert targets.

``"breaking"``: breaking news; ``"section:<page id>"``: every alert about a section's stories;
``"story:<article page id>"``: "follow this story", marked updates to one article.
"""

from __future__ import annotations

from gazette.news.models import ArticlePage, SectionPage

BREAKING = "breaking"
SECTION_PREFIX = "section:"
STORY_PREFIX = "story:"
MAX_TOPIC_LENGTH = 64
MAX_TOPICS = 20


def section_topic(section_id: int) -> str:
    return f"{SECTION_PREFIX}{section_id}"


def story_topic(article_id: int) -> str:
    return f"{STORY_PREFIX}{article_id}"


def _page_id(topic: str, prefix: str) -> int | None:
    value = topic[len(prefix):]
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def topic_valid(topic: object) -> bool:
    """A topic a reader may subscribe to: breaking news, a live section or a live story."""
    if not isinstance(topic, str) or len(topic) > MAX_TOPIC_LENGTH:
        return False
    if topic == BREAKING:
        return True
    if topic.startswith(SECTION_PREFIX):
        page_id = _page_id(topic, SECTION_PREFIX)
        return page_id is not None and SectionPage.objects.live().filter(pk=page_id).exists()
    if topic.startswith(STORY_PREFIX):
        page_id = _page_id(topic, STORY_PREFIX)
        return page_id is not None and ArticlePage.objects.live().filter(pk=page_id).exists()
    return False


def topics_for(article: ArticlePage) -> list[str]:
    """The topics concerning an article: breaking news, its section, the story itself (the
    choices the sign-up box offers under it)."""
    topics = [BREAKING]
    section = article.section
    if section is not None:
        topics.append(section_topic(section.pk))
    topics.append(story_topic(article.pk))
    return topics


def topic_label(topic: str) -> str:
    """A reader's words for a topic (for the preferences page)."""
    if topic == BREAKING:
        return "Breaking news"
    if topic.startswith(SECTION_PREFIX):
        page_id = _page_id(topic, SECTION_PREFIX)
        section = SectionPage.objects.filter(pk=page_id).first() if page_id else None
        return f"Section: {section.title}" if section else "A section no longer published"
    if topic.startswith(STORY_PREFIX):
        page_id = _page_id(topic, STORY_PREFIX)
        article = ArticlePage.objects.filter(pk=page_id).first() if page_id else None
        return f"Story: {article.title}" if article else "A story no longer published"
    return topic
