"""Each step of the moderation pipeline, its settings (site, section, story) and its order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gazette.antispam.engine import Verdict
from gazette.antispam.models import RecentSubmission
from gazette.comments import spam as spam_module
from gazette.comments.models import Comment, Discussion, Status
from gazette.comments.services import Accepted, Refused
from gazette.news.cache import tags_version

from .pipeline_helpers import (
    approved_comment,
    entry,
    fresh_engine,  # noqa: F401 (autouse)
    override,
    person_evidence,
    site_rules,
    submit,
)

pytestmark = pytest.mark.django_db


def steps(comment: Comment) -> list[str]:
    return [step["step"] for step in comment.trail]


@pytest.fixture
def open_site(article):
    """Pre-moderation off, so that a clean comment is published."""
    site_rules(moderation_mode="none")
    return article


@pytest.fixture
def engine_says(monkeypatch):
    """Make the engine give a fixed verdict (recorded as its own would be)."""
    real = spam_module.spam_check

    def fix(kind: str, score: float = 0.5) -> None:
        verdict = Verdict(kind, score, (f"the engine said {kind}",))
        monkeypatch.setattr(spam_module, "spam_check",
                            lambda **kw: real(**kw, verdict=verdict))
    return fix


# --- 1. closed ------------------------------------------------------------------------------

def test_story_switch_closes(open_site):
    open_site.comments_open = False
    result = submit(open_site)
    assert isinstance(result, Refused) and (result.status, result.step) == (403, "closed")
    assert not Comment.objects.exists()


def test_section_override_closes_and_story_reopens(open_site, section):
    override(section, closed=True)
    assert submit(open_site).status == 403
    override(open_site, closed=False)
    assert isinstance(submit(open_site), Accepted)


def test_auto_close_days(open_site, section):
    site_rules(moderation_mode="none", close_after_days=3)
    later = open_site.published_at + timedelta(days=3, seconds=1)
    assert submit(open_site, now=later).status == 403
    assert isinstance(submit(open_site, now=later - timedelta(days=1)), Accepted)
    override(section, close_after_days=10)
    assert isinstance(submit(open_site, now=later + timedelta(minutes=1)), Accepted)


# --- the parent -----------------------------------------------------------------------------

def test_reply_to_unknown_unapproved_or_other_story_is_refused(open_site, section):
    from gazette.news.testing import make_article

    other = make_article(section, title="Another story", slug="another-story")
    elsewhere = submit(other).comment
    held = Comment.objects.create(article=open_site, author_name="x", text="x",
                                  created_at=timezone.now(), status=Status.PENDING)
    for parent_id in (987654, held.pk, elsewhere.pk):
        result = submit(open_site, entry(parent_id=parent_id))
        assert isinstance(result, Refused)
        assert (result.status, result.field) == (400, "parent")


def test_replies_nest_to_the_depth_allowed(open_site):
    override(open_site, max_depth=2)
    top = submit(open_site).comment
    reply = submit(open_site, entry(parent_id=top.pk)).comment
    assert (reply.depth, reply.thread_id, reply.parent_id) == (2, top.pk, top.pk)
    too_deep = submit(open_site, entry(parent_id=reply.pk))
    assert isinstance(too_deep, Refused) and too_deep.status == 400


# --- 2. flood -------------------------------------------------------------------------------

def test_flood_same_ip_or_same_email(open_site):
    now = timezone.now()
    assert isinstance(submit(open_site, entry(email="a@example.org"),
                             person_evidence(ip="203.0.113.5"), now=now), Accepted)
    same_ip = submit(open_site, entry(), person_evidence(ip="203.0.113.5"),
                     now=now + timedelta(seconds=14))
    same_email = submit(open_site, entry(email="A@example.org"), person_evidence(),
                        now=now + timedelta(seconds=14))
    assert (same_ip.status, same_ip.step) == (429, "flood")
    assert same_email.status == 429
    assert isinstance(submit(open_site, entry(), person_evidence(ip="203.0.113.5"),
                             now=now + timedelta(seconds=16)), Accepted)
    assert Comment.objects.count() == 2


def test_flood_seconds_setting(open_site, settings):
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = 0
    evidence = person_evidence(ip="203.0.113.6")
    assert isinstance(submit(open_site, entry(), evidence), Accepted)
    assert isinstance(submit(open_site, entry(), evidence), Accepted)


def test_staff_are_not_flood_controlled(open_site, admin_user):
    evidence = person_evidence(ip="203.0.113.7")
    first = submit(open_site, entry(), evidence, user=admin_user)
    second = submit(open_site, entry(), evidence, user=admin_user)
    assert isinstance(first, Accepted) and isinstance(second, Accepted)
    assert second.comment.is_staff and second.published


# --- 3. duplicate ---------------------------------------------------------------------------

def test_duplicate_same_article_parent_name_email_text(open_site):
    now = timezone.now()
    said = entry(text="Exactly this.")
    assert isinstance(submit(open_site, said, now=now), Accepted)
    again = submit(open_site, said, person_evidence(), now=now + timedelta(minutes=1))
    assert (again.status, again.step, again.field) == (409, "duplicate", "comment")
    other_name = entry(text="Exactly this.", author="Someone else", email=said.email)
    assert isinstance(submit(open_site, other_name, now=now + timedelta(minutes=2)), Accepted)


# --- 4. disallowed --------------------------------------------------------------------------

@pytest.mark.parametrize(("words", "fields", "found"), [
    ("Casino", {"text": "Win at the CASINO tonight"}, True),
    ("casino", {"text": "casinos are not the word"}, False),
    ("ass", {"text": "A classic assessment"}, False),
    ("203.0.113.", {"ip": "203.0.113.99"}, True),
    ("203.0.113.9", {"ip": "203.0.113.99"}, False),
    ("bad@example.org", {"email": "Bad@Example.org"}, True),
    ("@spam.example", {"email": "x@spam.example"}, True),
    ("evilbot", {"user_agent": "Mozilla/5.0 EvilBot/1.0"}, True),
    ("pills", {"url": "https://pills.example/"}, True),
    ("Spammer", {"author": "spammer"}, True),
])
def test_disallowed_words_trash(open_site, words, fields, found):
    site_rules(moderation_mode="none", disallowed_words=f"  {words}\n")
    evidence = person_evidence(**({"ip_address": fields["ip"]} if "ip" in fields else {}),
                               **({"user_agent": fields["user_agent"]}
                                  if "user_agent" in fields else {}))
    typed = {k: v for k, v in fields.items() if k in ("text", "email", "url", "author")}
    comment = submit(open_site, entry(**typed), evidence).comment
    assert (comment.status == Status.TRASH) is found
    if found:
        assert comment.held_by == "disallowed"
        assert "disallowed" in comment.trail[-1]["reason"]
        assert not comment.spam_guid  # decided before the spam defence


def test_section_and_story_add_disallowed_words(open_site, section):
    override(section, disallowed_words="harbourbot")
    override(open_site, disallowed_words="quaybot")
    for word in ("harbourbot", "quaybot"):
        assert submit(open_site, entry(text=f"I am {word}")).comment.status == Status.TRASH


# --- 5. spam defence ------------------------------------------------------------------------

def test_honeypot_is_discarded_to_spam_with_the_engines_record(open_site):
    comment = submit(open_site, entry(), person_evidence(honeypot="I am a bot")).comment
    assert (comment.status, comment.held_by) == (Status.SPAM, "spam_defence")
    assert comment.trail[-1]["outcome"] == "discard"
    assert comment.spam_score is not None and comment.spam_score > 0.5
    assert comment.spam_guid and set(comment.spam_stats) >= {"same_ip_prefix", "same_email"}
    assert RecentSubmission.objects.filter(guid=comment.spam_guid).exists()


def test_engine_verdicts_map_to_statuses(open_site, engine_says):
    for kind, status, outcome in (("hold", Status.PENDING, "pending"),
                                  ("spam", Status.SPAM, "spam"),
                                  ("discard", Status.SPAM, "discard"),
                                  ("ham", Status.APPROVED, "published")):
        engine_says(kind)
        comment = submit(open_site).comment
        assert comment.status == status, kind
        assert comment.trail[-1]["outcome"] in (outcome, "approved")
        assert "the engine said" in " ".join(comment.trail[-1 if kind != "ham" else -2]
                                             ["reasons"])


def test_form_evidence_floors(open_site):
    now = timezone.now().timestamp()
    replayed = submit(open_site, entry(), person_evidence(token_replayed=True)).comment
    assert (replayed.status, replayed.held_by) == (Status.PENDING, "spam_defence")
    assert "single-use token" in replayed.trail[-1]["reason"]
    bot = submit(open_site, entry(), person_evidence(
        token_replayed=True, rendered_at=now - 1, submitted_at=now, script_ran=False)).comment
    assert bot.status == Status.SPAM
    forged = submit(open_site, entry(), person_evidence(token_valid=False,
                                                       rendered_at=None)).comment
    assert forged.status == Status.PENDING


def test_no_script_holds_first_timers_only(open_site):
    first = submit(open_site, entry(), person_evidence(script_ran=False)).comment
    assert (first.status, first.held_by) == (Status.PENDING, "spam_defence")
    approved_comment(open_site, "known@example.org")
    known = submit(open_site, entry(email="known@example.org"),
                   person_evidence(script_ran=False)).comment
    assert known.status == Status.APPROVED


def test_staff_skip_the_spam_defence(open_site, admin_user):
    comment = submit(open_site, entry(), person_evidence(script_ran=False, token_valid=False),
                     user=admin_user).comment
    assert comment.status == Status.APPROVED and not comment.spam_guid
    assert {"step": "spam_defence", "outcome": "skipped"}.items() <= \
        next(s for s in comment.trail if s["step"] == "spam_defence").items()


# --- 6. links, 7. moderation words ----------------------------------------------------------

def test_links_hold_at_the_limit(open_site, section):
    one = submit(open_site, entry(text="See https://a.example/x for the plan")).comment
    assert one.status == Status.APPROVED
    two = submit(open_site, entry(text="See https://a.example/x and www.b.example")).comment
    assert (two.status, two.held_by) == (Status.PENDING, "links")
    override(section, link_limit=0)
    off = submit(open_site, entry(text="https://a.example/1 https://a.example/2 www.c.ex")).comment
    assert off.status == Status.APPROVED
    override(open_site, link_limit=1)
    last = submit(open_site, entry(text="Harbour plans, in full, at https://council.example/plans")).comment
    assert last.held_by == "links", last.trail


def test_moderation_words_hold(open_site):
    site_rules(moderation_mode="none", moderation_words="Lawsuit")
    held = submit(open_site, entry(text="There will be a lawsuit.")).comment
    assert (held.status, held.held_by) == (Status.PENDING, "moderation_words")
    assert "lawsuit" in held.trail[-1]["reason"]


# --- 8. pre-moderation ----------------------------------------------------------------------

def test_first_time_commenters_held_by_default(article):
    held = submit(article).comment
    assert (held.status, held.held_by) == (Status.PENDING, "premoderation")
    approved_comment(article, "back@example.org")
    back = submit(article, entry(email="BACK@example.org ")).comment
    assert back.status == Status.APPROVED


def test_premoderation_all_holds_everyone_but_staff(article, section, admin_user):
    override(section, moderation_mode="all")
    approved_comment(article, "back@example.org")
    assert submit(article, entry(email="back@example.org")).comment.held_by == "premoderation"
    assert submit(article, user=admin_user).comment.status == Status.APPROVED
    override(article, moderation_mode="none")
    assert submit(article).comment.status == Status.APPROVED


# --- order, and what publishing does --------------------------------------------------------

def test_steps_run_in_the_documented_order(open_site):
    site_rules(moderation_mode="all", disallowed_words="casino", moderation_words="casino")
    both = submit(open_site, entry(text="casino https://a.example https://b.example"),
                  person_evidence(honeypot="filled")).comment
    assert both.held_by == "disallowed"
    site_rules(moderation_mode="all", disallowed_words="", moderation_words="casino")
    spam = submit(open_site, entry(text="casino https://a.example https://b.example"),
                  person_evidence(honeypot="filled")).comment
    assert spam.held_by == "spam_defence"
    links = submit(open_site, entry(text="casino https://a.example https://b.example")).comment
    assert links.held_by == "links"
    words = submit(open_site, entry(text="casino")).comment
    assert words.held_by == "moderation_words"
    assert steps(words) == ["closed", "flood", "duplicate", "spam_defence", "moderation_words"]
    open_site.comments_open = False
    assert submit(open_site, entry(text="casino"), person_evidence(ip="192.0.2.200")).step \
        == "closed"


def test_publishing_counts_and_refreshes_on_commit(open_site, django_capture_on_commit_callbacks):
    before = tags_version(f"page:{open_site.pk}", "comments-feed")
    with django_capture_on_commit_callbacks(execute=True):
        published = submit(open_site).comment
    assert published.status == Status.APPROVED and steps(published)[-1] == "published"
    assert tags_version(f"page:{open_site.pk}", "comments-feed") != before
    assert Discussion.objects.get(article=open_site).approved_count == 1
    after = tags_version(f"page:{open_site.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        held = submit(open_site, entry(text="https://a.example https://b.example")).comment
    assert held.status == Status.PENDING
    assert tags_version(f"page:{open_site.pk}") == after
    assert Discussion.objects.get(article=open_site).approved_count == 1


def test_notifications_on_commit(open_site, monkeypatch, django_capture_on_commit_callbacks):
    from gazette.comments import notifications

    seen: list[tuple[str, int]] = []
    monkeypatch.setattr(notifications, "comment_published",
                        lambda c: seen.append(("published", c.pk)))
    monkeypatch.setattr(notifications, "comment_held", lambda c: seen.append(("held", c.pk)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        published = submit(open_site).comment
    assert seen == []  # nothing before the commit
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        held = submit(open_site, entry(text="https://a.example https://b.example")).comment
    assert seen == [("published", published.pk), ("held", held.pk)]
