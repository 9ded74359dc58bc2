"""The publication: front page, sections, articles, and the people and agencies credited."""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, TitleFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from .blocks import ArticleBodyBlock
from .cache import GLOBAL_TAG, page_cache_tag, versions_and
from .kept import path_with
from .routing import NoRestrictionsShortcutMixin, RememberedRoutesMixin, remembered_page_at

# How long a story's authors, tags and corrections are kept (ArticlePage.with_kept_credits): the
# versions in the key say when they are stale; this only lets unread entries go.
KEPT_CREDITS_SECONDS = 24 * 3600

LANGUAGE_CHOICES = [
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("ar", "Arabic"),
    ("ru", "Russian"),
    ("zh", "Chinese"),
]


class SlugFromNameMixin(models.Model):
    """Credits get a URL-safe slug from their name unless an editor chose one."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        super().save(*args, **kwargs)


@register_snippet
class Author(SlugFromNameMixin, index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True, blank=True)
    role = models.CharField(max_length=120, blank=True, help_text="e.g. 'Economics correspondent'")
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("role"), FieldPanel("bio"),
              FieldPanel("photo")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # reverse("news:author", args=[self.slug]), the pattern reversed once per process.
        return path_with("news:author", self.slug)


@register_snippet
class Agency(SlugFromNameMixin, index.Indexed, models.Model):
    """A news agency or other source credited on a story."""

    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=20, blank=True, help_text="e.g. 'CWN'")
    slug = models.SlugField(max_length=120, unique=True, blank=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)

    panels = [FieldPanel("name"), FieldPanel("short_name"), FieldPanel("slug"), FieldPanel("url"),
              FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class HomePage(RememberedRoutesMixin, NoRestrictionsShortcutMixin, Page):
    """The front page, arranged by editors in zones (gazette.news.frontpage): a lead story,
    top stories, an opinion row, "most read" and a row per section. A zone left empty fills
    itself with the newest stories; no story is shown twice."""

    intro = models.CharField(max_length=250, blank=True)
    featured_article = models.ForeignKey(
        "news.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="lead story",
        help_text="Leave empty to lead with the newest breaking story, or else the newest story.",
    )
    show_most_read = models.BooleanField(
        default=True, verbose_name="show \"most read\"",
        help_text="The stories readers read most in the last 24 hours, counted on this server.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("featured_article"),
        InlinePanel("top_stories", label="Top story", heading="Top stories", max_num=4,
                    help_text="Up to four, in order; the newest stories fill the places left."),
        InlinePanel("opinion_stories", label="Opinion piece", heading="Opinion row", max_num=4,
                    help_text="Up to four; the newest from the opinion sections fill the rest."),
        InlinePanel("section_rows", label="Section row", heading="Section rows",
                    help_text="Which sections have a row, in order. Leave empty for every news "
                              "section in the order of the section bar."),
        FieldPanel("show_most_read"),
    ]
    promote_panels = [
        MultiFieldPanel(
            [FieldPanel("slug"), FieldPanel("seo_title"),
             FieldPanel("search_description", heading="Meta description",
                        help_text="The front page's description for search engines and link "
                                  "previews; the intro is used while it is empty.")],
            heading="For search engines",
        ),
    ]
    subpage_types = ["news.SectionPage", "news.CorrectionsPage", "trust.StandardPage",
                     "trust.ContactPage", "trust.PrivacyPage", "trust.StaffPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from .frontpage import front_page

        page_cache_tag(request, "home")
        context = super().get_context(request, *args, **kwargs)
        context.update(front_page(self))
        return context


class SectionPage(NoRestrictionsShortcutMixin, Page):
    intro = models.CharField(max_length=250, blank=True)
    opinion = models.BooleanField(
        default=False,
        help_text="Stories here are opinion: typed as such for search engines, shown in the "
                  "front page's opinion row.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("opinion")]
    parent_page_types = ["news.HomePage"]
    subpage_types = ["news.ArticlePage", "live.LivePage"]

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        page_cache_tag(request, f"section:{self.pk}")
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = selectors.section_listing(self).paginate(request)
        return context


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticleAuthor(Orderable):
    page = ParentalKey("news.ArticlePage", on_delete=models.CASCADE, related_name="article_authors")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("author")]


class ArticlePage(NoRestrictionsShortcutMixin, Page):
    """A story. The page title is its headline."""

    standfirst = models.TextField(
        blank=True, help_text="The one or two sentences under the headline."
    )
    dateline = models.CharField(max_length=80, blank=True, help_text="e.g. 'NORTHPORT'")
    lead_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_image_caption = models.CharField(max_length=250, blank=True)
    lead_image_credit = models.CharField(max_length=120, blank=True)
    lead_image_alt = models.CharField(
        max_length=250, blank=True, help_text="Describe the image for readers who cannot see it."
    )
    body = StreamField(ArticleBodyBlock(), blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles",
        help_text="Credit a news agency or other source, alone or beside the authors.",
    )
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)
    breaking = models.BooleanField(default=False, help_text="Show in the breaking-news banner.")
    updated_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Shown to readers as 'Updated'. Left empty, it is the last publication time, or, "
                  "with an update note, the time you save: clear it for each new update.",
    )
    update_note = models.CharField(
        max_length=250, blank=True,
        help_text="A significant update: what changed, shown to readers beside 'Updated' and "
                  "sent to the story's followers once when published.",
    )
    comments_open = models.BooleanField(default=True)
    language = models.CharField(max_length=8, choices=LANGUAGE_CHOICES, default="en")

    content_panels = [
        TitleFieldPanel("title", heading="Headline", placeholder="Headline*"),
        FieldPanel("standfirst"),
        FieldPanel("dateline"),
        MultiFieldPanel(
            [FieldPanel("lead_image"), FieldPanel("lead_image_caption"),
             FieldPanel("lead_image_credit"), FieldPanel("lead_image_alt")],
            heading="Lead image",
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [InlinePanel("article_authors", label="Author"), FieldPanel("agency")],
            heading="Credits",
        ),
        FieldPanel("tags"),
        MultiFieldPanel(
            [FieldPanel("update_note"), FieldPanel("updated_at")],
            heading="Significant update",
        ),
        InlinePanel("corrections", label="Correction", heading="Corrections"),
    ]
    settings_panels = Page.settings_panels + [
        FieldPanel("breaking"), FieldPanel("comments_open"), FieldPanel("language"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.SearchField("dateline"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("breaking"),
        index.FilterField("first_published_at"),
    ]
    parent_page_types = ["news.SectionPage"]
    subpage_types: list[str] = []
    # Read with the page when a remembered route finds it (routing._remembered_page): every
    # render of the story reads both, one query each otherwise.
    ROUTED_WITH = ("lead_image", "agency")

    class Meta:
        indexes = [models.Index(fields=["breaking"])]

    def clean(self) -> None:
        super().clean()
        # A described update is dated when written unless the editor gave its time; the
        # date is also what makes it a new update (announced once, see AnnouncedUpdate).
        if self.update_note and not self.updated_at:
            self.updated_at = timezone.now()

    @property
    def headline(self) -> str:
        return self.title

    @cached_property
    def section(self) -> SectionPage | None:
        # The specific parent, remembered with the routes: a query (8% of an uncached story's
        # CPU) only after a page was published, moved or deleted.
        if self.depth <= 1:
            return None
        section: SectionPage | None = remembered_page_at(SectionPage, self.path[: -self.steplen])
        return section

    @property
    def authors(self) -> list[Author]:
        kept: list[Author] | None = self.__dict__.get("_kept_authors")
        if kept is not None:
            return kept
        return [link.author for link in self.article_authors.all()]

    @property
    def tags_shown(self) -> list[Any]:
        """The story's tags, in the order they were stored."""
        kept: list[Any] | None = self.__dict__.get("_kept_tags")
        if kept is not None:
            return kept
        return [item.tag for item in self.tagged_items.all()]

    def with_kept_credits(self, version: str) -> None:
        """Its authors, tags and corrections from the shared cache, kept there under
        ``version`` (the global version and the story's own: a publication of the story bumps
        the second, a renamed author the first), instead of three queries a render.

        Read by ``authors``, ``tags_shown`` and ``correction_notes``. Another story's
        publication leaves both versions as they are: its entry stays warm.
        """
        from . import selectors

        key = f"news:story-credits:{self.pk}:{version}"
        kept = cache.get(key)
        if kept is None:
            selectors.with_credits(self)
            kept = (
                self.authors,
                self.tags_shown,
                # Without their page (each correction holds the story it belongs to).
                [ArticleCorrection(id=c.id, sort_order=c.sort_order, page_id=c.page_id,
                                   corrected_at=c.corrected_at, text=c.text)
                 for c in self.correction_notes],
            )
            cache.set(key, kept, timeout=KEPT_CREDITS_SECONDS)
        self.__dict__["_kept_authors"], self.__dict__["_kept_tags"] = kept[0], kept[1]
        self.__dict__["correction_notes"] = kept[2]

    @property
    def published_at(self):
        return self.first_published_at or self.go_live_at or timezone.now()

    @property
    def modified_at(self):
        modified = self.updated_at or self.last_published_at or self.published_at
        # A correction modifies the story (schema.org dateModified), even when it is dated
        # after the last marked update.
        corrected = [c.corrected_at for c in self.correction_notes]
        return max([modified, *corrected]) if corrected else modified

    @cached_property
    def correction_notes(self) -> list[ArticleCorrection]:
        """The story's corrections, oldest first (as they happened): one query a page, or
        none after prefetch_related("corrections")."""
        return sorted(self.corrections.all(), key=lambda c: (c.corrected_at, c.pk or 0))

    @property
    def is_opinion(self) -> bool:
        section = self.section
        return bool(section is not None and section.opinion)

    @property
    def was_updated(self) -> bool:
        # Small edits right after publication are not worth an "Updated" line.
        return (self.modified_at - self.published_at).total_seconds() > 300

    def get_context(self, request, *args, **kwargs):
        from . import selectors
        from .renditions import with_renditions

        section = self.section
        section_tag = f"section:{section.pk}"
        page_tag = f"page:{self.pk}"
        page_cache_tag(request, page_tag, section_tag)
        # The versions the page reads (its discussion is kept under its own), in one read.
        versions = versions_and((GLOBAL_TAG, section_tag, page_tag))[0]
        if getattr(request, "is_preview", False):
            selectors.with_credits(self)
        else:
            self.with_kept_credits(f"{versions[GLOBAL_TAG]}-{versions[page_tag]}")
        with_renditions(self)
        context = super().get_context(request, *args, **kwargs)
        # "More from the section" is a third of the page's cost: the stories it shows are
        # chosen from a cached list and their cards are a cached fragment (the template's
        # {% cache %}), both keyed by the section's version, so they are shared by every
        # story of the section until the section changes.
        version = f"{versions[GLOBAL_TAG]}-{versions[section_tag]}"
        more_ids = selectors.more_from_section_ids(section, exclude=self.pk, version=version)
        context["more_from_section"] = partial(selectors.articles_in_order, more_ids)
        context["more_from_section_key"] = f"{version}:{more_ids}"
        return context


class ArticleCorrection(Orderable):
    """A dated correction note, shown at the foot of the story and on the corrections page."""

    page = ParentalKey("news.ArticlePage", on_delete=models.CASCADE, related_name="corrections")
    corrected_at = models.DateTimeField(default=timezone.now, verbose_name="date")
    text = models.TextField(
        help_text="What was wrong and what is right, e.g. 'An earlier version gave the wrong date'."
    )

    panels = [FieldPanel("corrected_at"), FieldPanel("text")]

    class Meta(Orderable.Meta):
        indexes = [models.Index(fields=["-corrected_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class AnnouncedUpdate(models.Model):
    """A marked update whose publication was announced (story_update_marked), kept so the
    announcement goes out once per update however many times the story is republished."""

    article = models.ForeignKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="announced_updates"
    )
    updated_at = models.DateTimeField()
    note = models.CharField(max_length=250)
    announced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "updated_at"], name="announced_update_once")
        ]

    def __str__(self) -> str:
        return f"{self.updated_at:%Y-%m-%d %H:%M}: {self.note[:60]}"


class CorrectionsPage(NoRestrictionsShortcutMixin, Page):
    """Corrections and clarifications: every correction note, newest first."""

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["news.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from . import selectors
        from .newsroom import corrections_list

        # Any story's publication may add or remove a correction: the list is refreshed with
        # the feeds, which every publication refreshes too.
        page_cache_tag(request, f"page:{self.pk}", "feeds")
        context = super().get_context(request, *args, **kwargs)
        context["corrections"] = selectors.paginate(request, corrections_list(), per_page=20)
        return context


# --- The front page's zones, and what readers read -----------------------------------------------


class HomeTopStory(Orderable):
    page = ParentalKey("news.HomePage", on_delete=models.CASCADE, related_name="top_stories")
    article = models.ForeignKey("news.ArticlePage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("article")]


class HomeOpinionStory(Orderable):
    page = ParentalKey("news.HomePage", on_delete=models.CASCADE, related_name="opinion_stories")
    article = models.ForeignKey("news.ArticlePage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("article")]


class HomeSectionRow(Orderable):
    page = ParentalKey("news.HomePage", on_delete=models.CASCADE, related_name="section_rows")
    section = models.ForeignKey("news.SectionPage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("section")]


class StoryReads(models.Model):
    """How many times a story was read in one hour: an aggregate, nothing about the readers
    (gazette.news.reads counts in the shared cache; the scheduler adds the counts here)."""

    article = models.ForeignKey("news.ArticlePage", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "story reads"
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="story_reads_once_an_hour")
        ]
        indexes = [models.Index(fields=["hour", "article"])]

    def __str__(self) -> str:
        return f"{self.article_id} at {self.hour:%Y-%m-%d %H:00}: {self.views}"


class ReadsBatch(models.Model):
    """A minute of counted reads already added to StoryReads: the database's guarantee that
    a minute is added once, however many schedulers run or retry."""

    minute = models.BigIntegerField(unique=True)
    flushed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"minute {self.minute}"
