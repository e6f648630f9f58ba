import math
import re
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core import pagecache
from core.markdown import render_markdown, renderer_version
from core.models import TimeStampedModel
from core.validators import validate_single_line

from . import youtube

WORDS_PER_MINUTE = 200
IMG_SRC = re.compile(r'<img[^>]*\ssrc="([^"]*)"')
# The C0 control characters XML 1.0 forbids (all but tab, line feed and carriage
# return): one in a title makes the feeds fail. Word leaves \x0b for Shift+Enter.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def validate_no_control_characters(text: str) -> None:
    found = CONTROL_CHARACTERS.search(text)
    if found:
        raise ValidationError(
            "This text contains an invisible control character (U+%(code)04X), "
            "usually left by text pasted from a word processor. Delete the text "
            "around it and type it again, or paste it as plain text.",
            code="control_character",
            params={"code": ord(found.group())},
        )


def validate_images_are_local(text: str) -> None:
    """Images in a post must be served by this site: the CSP blocks other hosts."""
    html = render_markdown(text, allow_images=True)
    remote = [src for src in IMG_SRC.findall(html) if urlsplit(src).netloc]
    if remote:
        raise ValidationError(
            "Images must be on this site; the browser will not load %(src)s. "
            "Upload the picture (for example as the hero image) and use its address.",
            params={"src": remote[0]},
        )


def validate_youtube_url(url: str) -> None:
    if youtube.video_id(url) is None:
        raise ValidationError(
            "Paste the address of a YouTube video, such as "
            "https://www.youtube.com/watch?v=… or https://youtu.be/…"
        )


class Tag(models.Model):
    name = models.CharField(
        max_length=60, unique=True, validators=[validate_single_line]
    )
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:tag", kwargs={"slug": self.slug})


class Disclaimer(models.Model):
    """A reusable block (usually a health disclaimer) that posts can show."""

    title = models.CharField(
        max_length=120,
        validators=[validate_single_line],
    )
    body = models.TextField(help_text="Markdown: paragraphs, lists, links.")
    # The body rendered when saved (core/markdown.py), never on a page view.
    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.CharField(max_length=200, blank=True, editable=False)
    is_default = models.BooleanField(
        "attach to new posts",
        default=False,
        help_text="New posts get this disclaimer unless the editor removes it.",
    )

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="disclaimer_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        _render_on_save(self, kwargs, allow_images=False)
        super().save(*args, **kwargs)

    @property
    def rendered_body(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - nh3 output, stored on save


def render_body(obj, *, allow_images: bool) -> None:
    """Stores the HTML of `obj.body` and the renderer version that made it."""
    obj.body_html = render_markdown(obj.body, allow_images=allow_images)
    obj.body_html_version = renderer_version()


def _render_on_save(obj, kwargs: dict, *, allow_images: bool) -> None:
    """Every save that writes the body writes its HTML too (a save limited to
    other fields, such as publishing, leaves both as they are)."""
    fields = kwargs.get("update_fields")
    if fields is None:
        render_body(obj, allow_images=allow_images)
    elif "body" in fields:
        render_body(obj, allow_images=allow_images)
        kwargs["update_fields"] = {*fields, "body_html", "body_html_version"}


def default_disclaimer() -> int | None:
    return (
        Disclaimer.objects.filter(is_default=True).values_list("pk", flat=True).first()
    )


class PostQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "PostQuerySet":
        """Published posts whose publish time has come: all the public ever sees.

        A scheduled post becomes published through `services.publish_due_posts`;
        a published post with a future time stays hidden until that time.
        """
        now = now or timezone.now()
        # A cached page listing live posts must show the next one when its time comes.
        pagecache.valid_until_once(
            "blog:next-publication",
            lambda: Post.objects.filter(
                status=Post.Status.PUBLISHED, publish_at__gt=now
            ).aggregate(next=Min("publish_at"))["next"],
        )
        return self.filter(status=Post.Status.PUBLISHED, publish_at__lte=now)


class Post(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=200, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        limit_choices_to={"is_staff": True},
    )
    summary = models.CharField(
        max_length=300,
        help_text="One or two sentences for lists and feeds.",
        validators=[validate_single_line],
    )
    body = models.TextField(
        help_text="Markdown. Use ## and ### for headings (the title is the page "
        "heading), - for lists, > for quotes, [text](address) for links and "
        "![description](address) for images on this site.",
        validators=[validate_images_are_local],
    )
    # The body rendered when the post is saved (core/markdown.py), with the
    # version of the renderer that made it: pages show it and never render.
    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.CharField(max_length=200, blank=True, editable=False)
    hero_image = models.ImageField(
        upload_to="blog/",
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
        help_text="Optional. Shown above the article and when it is shared "
        "(1200 × 630 pixels suits most sites).",
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # True once the hero is stored with its renditions (core/images.py).
    hero_renditions = models.BooleanField(default=False, editable=False)
    hero_alt = models.CharField(
        "hero image description",
        max_length=200,
        blank=True,
        help_text="What the image shows, for people who cannot see it.",
        validators=[validate_single_line],
    )
    techniques = models.ManyToManyField(
        "directory.Technique",
        related_name="posts",
        blank=True,
        help_text="The techniques the article discusses: readers are offered "
        "practitioners and courses for them.",
    )
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    videos = models.ManyToManyField(
        "Video", through="PostVideo", related_name="posts", blank=True
    )
    seo_title = models.CharField(
        "SEO title",
        max_length=70,
        blank=True,
        help_text="Optional title for search engines; the title is used if empty.",
        validators=[validate_single_line],
    )
    meta_description = models.CharField(
        max_length=160,
        blank=True,
        help_text="Optional text for search results; the summary is used if empty.",
        validators=[validate_single_line],
    )
    disclaimer = models.ForeignKey(
        Disclaimer,
        on_delete=models.PROTECT,
        related_name="posts",
        null=True,
        blank=True,
        default=default_disclaimer,
        help_text="Shown at the end of the article. Empty: no disclaimer.",
    )
    status = models.CharField(
        max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        "publish time (UK)",
        null=True,
        blank=True,
        help_text="UK time. Scheduled posts go live at this time; published posts "
        "stay hidden until it has passed.",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="post_live"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(publish_at__isnull=False),
                name="post_scheduled_or_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(hero_image="") | ~Q(hero_alt=""),
                name="post_hero_image_has_alt",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blog:detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs) -> None:
        _render_on_save(self, kwargs, allow_images=True)
        super().save(*args, **kwargs)

    @property
    def rendered_body(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - nh3 output, stored on save

    def clean(self) -> None:
        if self.hero_image and not self.hero_alt.strip():
            raise ValidationError(
                {"hero_alt": "Describe the image for people who cannot see it."}
            )

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def modified_at(self) -> datetime:
        """When the public version last changed: never before it was published.

        A post saved as published with a later time, or scheduled days ahead,
        was last edited before it went live.
        """
        if self.publish_at is None:
            return self.updated_at
        return max(self.updated_at, self.publish_at)

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(len(self.body.split()) / WORDS_PER_MINUTE))

    @property
    def search_title(self) -> str:
        return self.seo_title or self.title

    @property
    def search_description(self) -> str:
        return self.meta_description or self.summary


class VideoQuerySet(models.QuerySet):
    def published(self) -> "VideoQuerySet":
        return self.filter(is_published=True)


class Video(TimeStampedModel):
    """One of the school's YouTube videos, in the library at /videos/ and shown
    with articles; played only when the visitor asks (youtube-nocookie.com)."""

    title = models.CharField(
        max_length=150,
        help_text="What the video shows; read out by screen readers.",
        validators=[validate_single_line],
    )
    slug = models.SlugField(max_length=150, unique=True)
    url = models.URLField(
        "YouTube address",
        max_length=300,
        validators=[validate_single_line, validate_youtube_url],
    )
    description = models.TextField(
        blank=True,
        help_text="A paragraph or two about the video. Markdown: lists, links, "
        "bold and italics.",
    )
    techniques = models.ManyToManyField(
        "directory.Technique",
        related_name="videos",
        blank=True,
        help_text="The techniques it shows: its technique pages, the articles and "
        "the courses about them list it.",
    )
    uploaded_on = models.DateField(
        "published on YouTube on",
        default=timezone.localdate,
        help_text="For search engines (VideoObject uploadDate).",
    )
    duration_seconds = models.PositiveIntegerField(
        "length in seconds", null=True, blank=True
    )
    is_published = models.BooleanField(
        "in the library",
        default=True,
        help_text="Untick to hide it from the library and the pages that list "
        "related videos; articles that show it keep it.",
    )

    objects = VideoQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__gt=0),
                name="video_duration_positive",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("videos:detail", kwargs={"slug": self.slug})

    @property
    def video_id(self) -> str | None:
        return youtube.video_id(self.url)

    @property
    def embed_url(self) -> str:
        return youtube.embed_url(self.video_id, start=youtube.start_seconds(self.url))

    @property
    def watch_url(self) -> str:
        return youtube.watch_url(self.video_id, start=youtube.start_seconds(self.url))

    @property
    def duration_display(self) -> str:
        """“4:05”, “1:02:30”, or empty when unknown."""
        if not self.duration_seconds:
            return ""
        hours, rest = divmod(self.duration_seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"


class PostVideo(models.Model):
    """A video an article shows, in the article's order."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="video_links")
    video = models.ForeignKey(
        Video, on_delete=models.PROTECT, related_name="post_links"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "video in the article"
        verbose_name_plural = "videos in the article"
        constraints = [
            models.UniqueConstraint(
                fields=["post", "video"], name="postvideo_once_per_post"
            )
        ]

    def __str__(self) -> str:
        return str(self.video)
