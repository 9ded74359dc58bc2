"""The building blocks of an article body."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class QuotationBlock(blocks.StructBlock):
    """A quotation attributed to a speaker and, where the words came second-hand, a source."""

    text = blocks.TextBlock()
    speaker = blocks.CharBlock(required=False, help_text="Who said it, e.g. 'Finance minister'.")
    source = blocks.CharBlock(
        required=False,
        help_text="Where the words come from, e.g. 'according to a statement released by the "
        "ministry'.",
    )

    class Meta:
        icon = "openquote"
        template = "news/blocks/quotation.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False)
    credit = blocks.CharBlock(required=False)
    alt_text = blocks.CharBlock(
        required=False, help_text="Describe the image for readers who cannot see it."
    )

    class Meta:
        icon = "image"
        template = "news/blocks/image.html"


class PullQuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False)

    class Meta:
        icon = "pick"
        template = "news/blocks/pull_quote.html"


class FactBoxBlock(blocks.StructBlock):
    title = blocks.CharBlock()
    facts = blocks.ListBlock(blocks.CharBlock(label="Fact"))

    class Meta:
        icon = "list-ul"
        template = "news/blocks/fact_box.html"


class EmbedBlock(blocks.StructBlock):
    """A link card for outside material (a video, a post, a document).

    Readers' browsers never load anything from the other site: the card links to it. This keeps
    the promise of no third-party requests and no tracking through embedded players.
    """

    url = blocks.URLBlock()
    title = blocks.CharBlock()
    description = blocks.TextBlock(required=False)
    provider = blocks.CharBlock(required=False, help_text="e.g. 'Video', 'Court filing (PDF)'")

    class Meta:
        icon = "media"
        template = "news/blocks/embed.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul"], template="news/blocks/paragraph.html"
    )
    subheading = blocks.CharBlock(icon="title", template="news/blocks/subheading.html")
    quotation = QuotationBlock()
    image = ImageBlock()
    pull_quote = PullQuoteBlock()
    fact_box = FactBoxBlock()
    embed = EmbedBlock()
