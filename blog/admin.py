import zoneinfo

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext

from core import images

from . import services
from .models import Disclaimer, Post, PostVideo, Tag, Video

UK = zoneinfo.ZoneInfo("Europe/London")


def uk_time(value) -> str:
    """“1 Jul 2026, 10:00 BST”: editors schedule in UK time, whatever the server."""
    return timezone.localtime(value, UK).strftime("%-d %b %Y, %H:%M %Z")


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "slug", "summary", "body", "hero_image", "hero_alt",
                  "techniques", "tags", "status", "publish_at", "author",
                  "disclaimer", "seo_title", "meta_description"]  # fmt: skip
        wide = {"class": "vLargeTextField"}
        widgets = {
            "title": forms.TextInput(attrs=wide),
            "summary": forms.Textarea(attrs={**wide, "rows": 3}),
            "body": forms.Textarea(attrs={**wide, "rows": 30}),
            "hero_alt": forms.TextInput(attrs=wide),
            "seo_title": forms.TextInput(attrs=wide),
            "meta_description": forms.Textarea(attrs={**wide, "rows": 2}),
        }

    def clean_hero_image(self):
        return images.clean_upload(self.cleaned_data.get("hero_image"))

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == Post.Status.SCHEDULED and not data.get("publish_at"):
            self.add_error("publish_at", "Choose when the post should go live.")
        if status == Post.Status.PUBLISHED and not data.get("publish_at"):
            data["publish_at"] = timezone.now()
        return data


class PostVideoInline(admin.TabularInline):
    """The library videos the article shows, in order (add new ones under Videos)."""

    model = PostVideo
    extra = 0
    autocomplete_fields = ["video"]
    fields = ["video", "position"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "status", "publish_time", "visibility", "author",
                    "preview_link"]  # fmt: skip
    list_filter = ["status", "techniques", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "summary", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["techniques", "tags"]
    date_hierarchy = "publish_at"
    inlines = [PostVideoInline]
    actions = ["publish_now"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        ("Hero image", {"fields": ["hero_image", "hero_alt"]}),
        ("Topics", {"fields": ["techniques", "tags"]}),
        (
            "Publishing",
            {
                "fields": ["status", "publish_at", "author", "disclaimer"],
                "description": "Times are UK time (Europe/London). A scheduled "
                "post goes live within a minute of its time.",
            },
        ),
        (
            "Search engines and sharing",
            {"fields": ["seo_title", "meta_description"], "classes": ["collapse"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj: Post, form, change: bool) -> None:
        previous = (
            Post.objects.filter(pk=obj.pk)
            .values_list("hero_image", "hero_width")
            .first()
        )
        upload = form.cleaned_data.get("hero_image")
        if isinstance(upload, UploadedFile):
            # Stripped of its metadata and stored with its renditions, once.
            stored = images.store_image(upload, name=f"blog/{obj.slug}.jpg")
            obj.hero_image = stored.name
            obj.hero_renditions = True
        elif not obj.hero_image:
            obj.hero_renditions = False
        super().save_model(request, obj, form, change)
        if previous and previous[0] != obj.hero_image.name:
            # A replaced or removed image goes, with its renditions.
            images.discard(*previous, storage=obj.hero_image.storage)

    def delete_model(self, request, obj: Post) -> None:
        name, width, storage = (
            obj.hero_image.name,
            obj.hero_width,
            obj.hero_image.storage,
        )
        super().delete_model(request, obj)
        images.discard(name, width, storage=storage)

    def delete_queryset(self, request, queryset) -> None:
        heroes = list(
            queryset.exclude(hero_image="").values_list("hero_image", "hero_width")
        )
        super().delete_queryset(request, queryset)
        for name, width in heroes:
            images.discard(name, width)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        return {"author": request.user.pk, **initial}

    def view_on_site(self, obj: Post) -> str:
        return reverse("blog:preview", kwargs={"pk": obj.pk})

    @admin.display(description="Publish time (UK)", ordering="publish_at")
    def publish_time(self, obj: Post) -> str:
        return uk_time(obj.publish_at) if obj.publish_at else "—"

    @admin.display(description="Public?")
    def visibility(self, obj: Post) -> str:
        if obj.is_live:
            return "Live"
        if obj.status == Post.Status.DRAFT:
            return "No: draft"
        if obj.publish_at and obj.publish_at > timezone.now():
            return f"From {uk_time(obj.publish_at)}"
        return "Within a minute"

    @admin.display(description="Preview")
    def preview_link(self, obj: Post) -> str:
        return format_html(
            '<a href="{}">Preview</a>', reverse("blog:preview", kwargs={"pk": obj.pk})
        )

    @admin.action(description="Publish selected posts now")
    def publish_now(self, request, queryset):
        for post in queryset:
            services.publish_post(post=post)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Published %d post.", "Published %d posts.", count) % count,
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["title", "is_default"]


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["title", "uploaded_on", "is_published", "technique_list"]
    list_filter = ["is_published", "techniques"]
    list_editable = ["is_published"]
    search_fields = ["title", "description", "url"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["techniques"]
    date_hierarchy = "uploaded_on"
    fields = ["title", "slug", "url", "description", "techniques", "uploaded_on",
              "duration_seconds", "is_published"]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("techniques")

    @admin.display(description="techniques")
    def technique_list(self, video: Video) -> str:
        return ", ".join(t.name for t in video.techniques.all()) or "—"
