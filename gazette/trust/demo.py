"""The demo newsroom's trust pages: About, Our newsroom (staff), Contact, Privacy, Terms.

Idempotent: each page is keyed by its slug under the front page (and by its type, for the
types there can be one of), and only what is missing is created. The newsroom, its address and
everyone in it are invented, like the rest of the demo (``gazette.news.demo_content``); links
and addresses use example.org.
"""

from __future__ import annotations

from typing import Any, TextIO

from django.apps import apps
from django.conf import settings
from django.db import transaction
from wagtail.models import Page

from gazette.news.models import HomePage

from .models import ContactFormField, ContactPage, PrivacyPage, StaffPage, StandardPage

ABOUT = {
    "slug": "about", "title": "About us",
    "summary": "Independent news from Northport since 1887, owned by a trust that answers to "
               "its readers.",
    "body": """
<p>{site} is an independent newsroom in Northport, on the coast of Veloria. Twenty-two
journalists report on the port city, on the Assembly in Sarenne, and on Veloria's neighbours
across the strait. We publish around the clock, and our reporters sign what they write.</p>
<h2>Who owns us</h2>
<p>Since 1994 the paper has belonged to the Northport Reader Trust, a foundation whose
charter forbids it to pay dividends or to sell the title. Its board of nine is elected by the
paper's members and its staff; no board member may tell a reporter what to write. The
accounts of the Trust are published every March.</p>
<h2>How we work</h2>
<ul>
<li>We name our sources. When naming one would put someone at risk, we say why we did not,
and at least two editors know who it is.</li>
<li>We correct our mistakes in the open: a correction is dated at the foot of the story it
concerns and listed on our Corrections page.</li>
<li>Opinion is labelled as opinion, and our columnists do not report on the subjects they
campaign about.</li>
<li>Stories from news agencies carry the agency's name.</li>
<li>We accept no gifts or free travel from the people we cover.</li>
</ul>
<h2>Who pays for it</h2>
<p>Our 31,000 members pay for most of it; a few local businesses advertise in print. This
website shows no advertising and runs no third-party scripts: what you read comes from our own
server.</p>
""",
}

STAFF = {
    "slug": "newsroom", "title": "Our newsroom",
    "summary": "The reporters and editors who write {site}.",
    "body": """
<p>Every story on this site carries the name of the person who wrote it. Here is who we are;
follow a name to read everything that person has written for us. To reach one of us, use the
contact page: the desk passes messages on the same day.</p>
""",
}

CONTACT = {
    "slug": "contact", "title": "Contact us",
    "summary": "Write, call or come by: the newsroom is staffed every day from 7 am to midnight.",
    "body": """
<h2>The newsroom</h2>
<p>{site}<br/>14 Quay Street<br/>Northport 2041<br/>Republic of Veloria</p>
<p>News desk: <a href="mailto:newsdesk@example.org">newsdesk@example.org</a></p>
<h2>Corrections</h2>
<p>If we got something wrong, tell us at
<a href="mailto:corrections@example.org">corrections@example.org</a> or with the form below.
The standards editor answers every request, usually within two working days.</p>
<h2>Tips</h2>
<p>Send tips to <a href="mailto:tips@example.org">tips@example.org</a>. If you need to stay
anonymous, say so at the start of your message and leave out your name: we will not try to
find out who you are.</p>
<h2>Membership</h2>
<p>Questions about your membership of the Northport Reader Trust:
<a href="mailto:members@example.org">members@example.org</a>.</p>
""",
    "thank_you_text": """
<p>Thank you: your message has reached the newsroom. An editor reads every one, and when you
asked a question we answer within two working days.</p>
""",
    "to_address": "newsdesk@example.org",
    "subject": "[{site}] A message from the contact form",
}

CONTACT_FIELDS: list[dict[str, Any]] = [
    {"label": "Your name", "field_type": "singleline", "required": True},
    {"label": "Your email address", "field_type": "email", "required": True,
     "help_text": "So that we can answer you. We never publish it."},
    {"label": "What is it about?", "field_type": "dropdown", "required": True,
     "choices": "A story we published\nA correction\nA tip\nSomething else"},
    {"label": "Your message", "field_type": "multiline", "required": True},
]

PRIVACY = {
    "slug": "privacy", "title": "Privacy",
    "summary": "What we know about you when you read, comment, subscribe or write to us: very "
               "little, and it stays on our own server.",
    "body": """
<h2>When you read</h2>
<p>You can read everything without an account. Reading sets no cookie; we run no
advertising or analytics scripts and load nothing from anyone else: the fonts, pictures and
scripts on our pages all come from our own server, so no third party learns what you read
here.</p>
<h2>What we count</h2>
<p>To show what is most read, we count how many times each story is read in each hour. These
are totals per story: no IP address, cookie or anything else that could single you out is
stored with them.</p>
<h2>When you comment</h2>
<p>We keep what you type into the comment form, and for a while the technical details that
help us keep spam out. If you tick the box that remembers your name, email address and
website, they are kept in a cookie in your browser. The page where you ask for a copy or the
erasure of your comment data sets one more cookie, a security token that protects its form.
Those are the only cookies a reader can get from us.</p>
<h2>When you subscribe to alerts</h2>
<p>We keep what is needed to send them, and the topics you chose, until you unsubscribe: the
address your browser's push service gives us, or your email address once you have confirmed
it.</p>
<h2>When you write to us</h2>
<p>Messages sent with the contact form are kept in our newsroom system with the details you
type in it, and emailed to the news desk. We do not record your IP address with them. To stop
floods, we count the messages sent from each network for an hour, under a scrambled key
rather than your address.</p>
<h2>Who else sees it</h2>
<p>Nobody outside the newsroom. We sell and share nothing, and our email goes from our own
mail server. For any question about your data, write to
<a href="mailto:privacy@example.org">privacy@example.org</a>.</p>
""",
}

TERMS = {
    "slug": "terms", "title": "Terms of use",
    "summary": "The rules for using this website and what we publish on it.",
    "body": """
<h2>Our journalism</h2>
<p>The stories, photographs and illustrations on this site belong to {site} or to the
agencies and photographers credited with them. You may quote a reasonable part of a story with
its headline, our name and a link to it. To republish more, ask us first.</p>
<h2>Feeds</h2>
<p>Our RSS, Atom and JSON feeds are free for personal reading and for readers' apps. Please do
not republish them whole on another site.</p>
<h2>Comments</h2>
<p>You keep the rights to what you write, and you let us publish it beside the story. Keep
to the subject, and to the law: we remove personal attacks, hate, spam and anything that
could put someone in danger. Moderators decide, and they explain their decision when asked.</p>
<h2>Mistakes</h2>
<p>We work hard to be accurate and correct what we get wrong, openly and with the date.
Nothing on this site is advice for your money, health or legal affairs.</p>
<h2>Changes</h2>
<p>When these terms change, the new version is published here with its date. These terms
are governed by the laws of the Republic of Veloria.</p>
""",
}


def _text(value: str) -> str:
    return " ".join(value.format(site=settings.GAZETTE_SITE_NAME).split())


def _html(value: str) -> str:
    return value.strip().format(site=settings.GAZETTE_SITE_NAME).replace("\n", " ")


def _publish(home: HomePage, page: Page) -> Page:
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def _wanted(home: HomePage, model: type[Page], slug: str) -> bool:
    if Page.objects.child_of(home).filter(slug=slug).exists():
        return False
    return not (getattr(model, "max_count", None) == 1 and model.objects.exists())


def _before_corrections(home: HomePage, pages: list[Page]) -> None:
    """About, the staff and Contact go before the Corrections page if the news demo made it
    first, so that the footer reads About, Our newsroom, Contact, Corrections, Privacy, Terms."""
    try:
        corrections_model = apps.get_model("news", "CorrectionsPage")
    except LookupError:
        return
    corrections = corrections_model.objects.child_of(home).first()
    if corrections is None:
        return
    for page in pages:
        page.refresh_from_db()
        corrections.refresh_from_db()
        if page.path > corrections.path:
            page.move(corrections, pos="left")


def demo_load(*, stdout: TextIO | None = None) -> int:
    """Create whichever trust pages are missing; return how many were created."""
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("No front page: run the migrations before loading the demo.")
    created: list[Page] = []
    with transaction.atomic():
        for spec, model in ((ABOUT, StandardPage), (STAFF, StaffPage)):
            if _wanted(home, model, spec["slug"]):
                created.append(_publish(home, model(
                    title=spec["title"], slug=spec["slug"], summary=_text(spec["summary"]),
                    body=_html(spec["body"]))))
        if _wanted(home, ContactPage, CONTACT["slug"]):
            page = ContactPage(
                title=CONTACT["title"], slug=CONTACT["slug"], summary=_text(CONTACT["summary"]),
                body=_html(CONTACT["body"]), thank_you_text=_html(CONTACT["thank_you_text"]),
                to_address=CONTACT["to_address"], subject=_text(CONTACT["subject"]),
                form_fields=[ContactFormField(sort_order=number, **field)
                             for number, field in enumerate(CONTACT_FIELDS)])
            created.append(_publish(home, page))
        _before_corrections(home, created)
        for spec, model in ((PRIVACY, PrivacyPage), (TERMS, StandardPage)):
            if _wanted(home, model, spec["slug"]):
                created.append(_publish(home, model(
                    title=spec["title"], slug=spec["slug"], summary=_text(spec["summary"]),
                    body=_html(spec["body"]))))
    if stdout is not None and created:
        stdout.write(f"Trust pages: {', '.join(page.title for page in created)}\n")
    return len(created)
