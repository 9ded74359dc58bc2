"""``gazette alerts send <article id or URL> [--topic breaking] [--force]`` and
``gazette alerts resume <alert id>``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gazette.news.models import ArticlePage


def article_from(reference: str) -> ArticlePage:
    """A live story by its page id or its URL (full or a path)."""
    article: ArticlePage | None
    if reference.isdigit():
        article = ArticlePage.objects.live().filter(pk=int(reference)).first()
    else:
        path = urlsplit(reference).path or "/"
        path = path if path.endswith("/") else path + "/"
        article = next((page for page in ArticlePage.objects.live()
                        .filter(url_path__endswith=path.rsplit("/", 2)[-2] + "/")
                        if page.url and urlsplit(page.url).path == path), None)
    if article is None:
        raise CommandError(f"No live story {reference!r}.")
    return article


class Command(BaseCommand):
    help = "Send an alert about a story, or resume an alert's fan-out."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="send an alert about a story")
        send.add_argument("article", help="the story's page id or URL")
        send.add_argument("--topic", default="breaking",
                          help="breaking (default), section:<id> or story:<id>")
        send.add_argument("--force", action="store_true",
                          help="send even if the story already had an alert on this topic")
        resume = sub.add_parser("resume", help="walk an alert's fan-out again")
        resume.add_argument("alert_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        from gazette.alerts.services import (
            AlertRefused,
            alert_for_article,
            alert_resume,
            audience_size,
        )

        if options["action"] == "resume":
            if not alert_resume(options["alert_id"]):
                raise CommandError(f"No alert {options['alert_id']}.")
            self.stdout.write(f"Alert {options['alert_id']}: fan-out enqueued again.")
            return
        article = article_from(options["article"])
        topic = options["topic"]
        try:
            alert = alert_for_article(article, topic=topic, force=options["force"])
        except AlertRefused as error:
            raise CommandError(str(error)) from error
        audience = audience_size(topic)
        self.stdout.write(f"Alert {alert.pk} enqueued on the alerts queue: {alert.title!r} to "
                          f"{topic} ({audience['push']} push, {audience['email']} email).")
