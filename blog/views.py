from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from core.jsonld import json_ld
from core.markdown import render_markdown
from directory.models import Technique

from .models import Post, Tag

PAGE_SIZE = 9
RELATED_POSTS = 3


def _listed_posts() -> QuerySet[Post]:
    return (
        Post.objects.live()
        .select_related("author")
        .prefetch_related("techniques")
        .order_by("-publish_at", "-pk")
    )


def _topics() -> QuerySet[Technique]:
    """Techniques that at least one live post discusses, with how many."""
    now = timezone.now()
    live = Q(posts__status=Post.Status.PUBLISHED, posts__publish_at__lte=now)
    return (
        Technique.objects.annotate(post_count=Count("posts", filter=live))
        .filter(post_count__gt=0)
        .order_by("name")
    )


def _render_list(
    request: HttpRequest,
    posts: QuerySet[Post],
    context: dict,
    *,
    empty_is_404: bool = False,
) -> HttpResponse:
    paginator = Paginator(posts, PAGE_SIZE)
    requested = request.GET.get("page", "")
    page = paginator.get_page(requested)
    if requested and requested != str(page.number) and paginator.count:
        context["page_notice"] = (
            f"There is no page “{requested[:10]}”; showing page {page.number}."
        )
    if empty_is_404 and not paginator.count:
        raise Http404("No published posts.")
    path = request.path
    context.update(
        page=page,
        topics=_topics(),
        canonical_url=request.build_absolute_uri(
            path if page.number == 1 else f"{path}?page={page.number}"
        ),
    )
    return render(request, "blog/post_list.html", context)


@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, _listed_posts(), {"heading": "Blog"})


@require_GET
def technique(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(Technique, slug=slug)
    return _render_list(
        request,
        _listed_posts().filter(techniques=chosen),
        {"heading": f"Articles about {chosen.name}", "technique": chosen},
    )


@require_GET
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(Tag, slug=slug)
    # A tag used only by drafts is not shown: it could give away their subject.
    return _render_list(
        request,
        _listed_posts().filter(tags=chosen),
        {"heading": f"Articles tagged “{chosen.name}”", "tag": chosen},
        empty_is_404=True,
    )


def _post_with_details() -> QuerySet[Post]:
    return Post.objects.select_related("author", "disclaimer").prefetch_related(
        "techniques", "tags", "videos"
    )


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    post = get_object_or_404(_post_with_details().live(), slug=slug)
    return _render_detail(request, post, preview=False)


@login_required
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Any post, exactly as it will look, for staff who may see posts."""
    if not (request.user.is_staff and request.user.has_perm("blog.view_post")):
        raise Http404("No such post.")
    post = get_object_or_404(_post_with_details(), pk=pk)
    return _render_detail(request, post, preview=True)


def _render_detail(request: HttpRequest, post: Post, *, preview: bool) -> HttpResponse:
    techniques = list(post.techniques.all())
    canonical = request.build_absolute_uri(post.get_absolute_url())
    image_url = (
        request.build_absolute_uri(post.hero_image.url) if post.hero_image else ""
    )
    return render(
        request,
        "blog/post_detail.html",
        {
            "post": post,
            "preview": preview,
            "body": render_markdown(post.body, allow_images=True),
            "techniques": techniques,
            "techniques_text": _join_or([t.name for t in techniques]),
            "tags": list(post.tags.all()),
            "videos": [video for video in post.videos.all() if video.video_id],
            "related": _related(post, techniques) if not preview else [],
            "canonical_url": canonical,
            "image_url": image_url,
            "json_ld": _json_ld(post, canonical, image_url),
        },
    )


def _related(post: Post, techniques: list[Technique]) -> list[Post]:
    """Live posts sharing the most techniques and tags with this one, newest first."""
    shared = [
        Count(relation, filter=Q(**{f"{relation}__in": ids}), distinct=True)
        for relation, ids in [
            ("techniques", [t.pk for t in techniques]),
            ("tags", [t.pk for t in post.tags.all()]),
        ]
        if ids  # an empty IN () would empty the whole count
    ]
    if not shared:
        return []
    return list(
        Post.objects.live()
        .exclude(pk=post.pk)
        .annotate(shared=sum(shared[1:], start=shared[0]))
        .filter(shared__gt=0)
        .order_by("-shared", "-publish_at")[:RELATED_POSTS]
    )


def _join_or(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _json_ld(post: Post, url: str, image_url: str) -> SafeString:
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.search_description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "author": {"@type": "Person", "name": post.author.get_full_name()},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "wordCount": len(post.body.split()),
        "keywords": [t.name for t in post.tags.all()],
        "about": [{"@type": "Thing", "name": t.name} for t in post.techniques.all()],
    }
    if post.publish_at:
        data["datePublished"] = post.publish_at.isoformat()
    data["dateModified"] = post.modified_at.isoformat()
    if image_url:
        data["image"] = image_url
    return json_ld(data)
