from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from core import images
from core.jsonld import json_ld
from core.markdown import render_markdown
from core.pagecache import cache_public_page
from directory import geo
from directory import search as directory_search
from directory.models import Technique

from . import youtube
from .models import Post, PostVideo, Tag, Video

PAGE_SIZE = 9
RELATED_POSTS = 3
RELATED_VIDEOS = 3
VIDEO_PAGE_SIZE = 12
# The article's "near you" box: how many practitioners it names, and how far.
NEAR_YOU_PRACTITIONERS = 3
NEAR_YOU_RADIUS = 25  # one of the search form's radius choices


def _listed_posts() -> QuerySet[Post]:
    return (
        Post.objects.live()
        .select_related("author")
        .prefetch_related("techniques")
        .defer("body_html")  # cards show the summary, not the article
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
@cache_public_page
def post_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, _listed_posts(), {"heading": "Blog"})


@require_GET
@cache_public_page
def technique(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(Technique, slug=slug)
    return _render_list(
        request,
        _listed_posts().filter(techniques=chosen),
        {"heading": f"Articles about {chosen.name}", "technique": chosen},
    )


@require_GET
@cache_public_page
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
        "techniques",
        "tags",
        Prefetch(
            "video_links",
            queryset=PostVideo.objects.select_related("video").order_by(
                "position", "pk"
            ),
        ),
    )


@require_GET
@cache_public_page
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
    videos = [link.video for link in post.video_links.all() if link.video.video_id]
    canonical = request.build_absolute_uri(post.get_absolute_url())
    image_url = ""
    if post.hero_image:
        # The 1200 × 630 rendition when the hero has renditions (core/images.py).
        name = post.hero_image.name
        url = post.hero_image.url
        if post.hero_renditions:
            url = post.hero_image.storage.url(images.og_name(name))
        image_url = request.build_absolute_uri(url)
    return render(
        request,
        "blog/post_detail.html",
        {
            "post": post,
            "preview": preview,
            # Rendered when the post was saved (Post.save), never here.
            "body": post.rendered_body,
            "techniques": techniques,
            "techniques_text": _join_or([t.name for t in techniques]),
            "tags": list(post.tags.all()),
            "videos": videos,
            "related": _related(post, techniques) if not preview else [],
            "related_videos": related_videos(techniques, exclude=videos),
            "near_you": _near_you(request, techniques),
            "canonical_url": canonical,
            "image_url": image_url,
            "json_ld": _json_ld(post, canonical, image_url),
        },
    )


def _near_you(request: HttpRequest, techniques: list[Technique]) -> dict:
    """The "near you" box: once the reader has given a place (`?where=`, from the
    box's own form), the practitioners offering any of the post's techniques
    nearest to it; else only the form. The place is read from the address alone
    (no session), so the page stays one function of the address and the data."""
    where = " ".join(request.GET.get("where", "").split())[:60]
    place = geo.resolve(where) if where else None
    box = {
        "where": where,
        "place": place,
        "unknown_place": bool(where) and place is None,
        "radius": NEAR_YOU_RADIUS,
    }
    if place is None:
        return box
    criteria = directory_search.Criteria(
        techniques=techniques, where=place, radius=NEAR_YOU_RADIUS
    )
    found = directory_search.practitioners(criteria)
    box["practitioners"] = list(found[:NEAR_YOU_PRACTITIONERS])
    box["count"] = found.count() if box["practitioners"] else 0
    query = [("where", where), ("radius", NEAR_YOU_RADIUS)]
    query += [("technique", t.slug) for t in techniques]
    box["search_url"] = f"{reverse('directory:search')}?{urlencode(query)}"
    if not box["practitioners"]:
        nearest = directory_search.nearest_beyond(criteria)
        if nearest is not None:
            box["nearest"] = nearest
            box["nearest_url"] = box["search_url"] + "&nearest=on"
    return box


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
        .defer("body_html")
        .annotate(shared=sum(shared[1:], start=shared[0]))
        .filter(shared__gt=0)
        .order_by("-shared", "-publish_at")[:RELATED_POSTS]
    )


def related_videos(
    techniques: list[Technique], *, exclude=(), limit: int = RELATED_VIDEOS
) -> list[Video]:
    """Library videos sharing the most of `techniques`, newest first: one query."""
    ids = [t.pk for t in techniques]
    if not ids:
        return []
    return list(
        Video.objects.published()
        .exclude(pk__in=[video.pk for video in exclude])
        .annotate(shared=Count("techniques", filter=Q(techniques__in=ids)))
        .filter(shared__gt=0)
        .order_by("-shared", "-uploaded_on", "-pk")[:limit]
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


# --- the video library -------------------------------------------------------------


def _video_topics() -> QuerySet[Technique]:
    """Techniques that at least one library video shows, with how many."""
    return (
        Technique.objects.annotate(
            video_count=Count("videos", filter=Q(videos__is_published=True))
        )
        .filter(video_count__gt=0)
        .order_by("name")
    )


@require_GET
def video_list(request: HttpRequest) -> HttpResponse:
    topics = list(_video_topics())
    videos = Video.objects.published().prefetch_related("techniques")
    requested = request.GET.get("technique", "")
    chosen = next((t for t in topics if t.slug == requested), None)
    notice = ""
    if chosen is not None:
        videos = videos.filter(techniques=chosen)
    elif requested:
        notice = "We have no videos about that technique yet; here are all our videos."
    paginator = Paginator(videos.order_by("-uploaded_on", "-pk"), VIDEO_PAGE_SIZE)
    page_requested = request.GET.get("page", "")
    page = paginator.get_page(page_requested)
    if page_requested and page_requested != str(page.number) and paginator.count:
        notice = (
            f"There is no page “{page_requested[:10]}”; showing page {page.number}."
        )
    query = f"?technique={chosen.slug}" if chosen else ""
    if page.number > 1:
        query += ("&" if query else "?") + f"page={page.number}"
    canonical = request.build_absolute_uri(request.path + query)
    return render(
        request,
        "blog/video_list.html",
        {
            "page": page,
            "topics": topics,
            "technique": chosen,
            "notice": notice,
            "canonical_url": canonical,
            "json_ld": _video_list_json_ld(request, page.object_list, canonical),
        },
    )


@require_GET
def video_detail(request: HttpRequest, slug: str) -> HttpResponse:
    video = get_object_or_404(
        Video.objects.published().prefetch_related("techniques"), slug=slug
    )
    techniques = list(video.techniques.all())
    canonical = request.build_absolute_uri(video.get_absolute_url())
    return render(
        request,
        "blog/video_detail.html",
        {
            "video": video,
            "techniques": techniques,
            "posts": list(
                Post.objects.live()
                .filter(video_links__video=video)
                .order_by("-publish_at", "-pk")[:RELATED_POSTS]
            ),
            "related_videos": related_videos(techniques, exclude=[video]),
            "canonical_url": canonical,
            "json_ld": json_ld(
                {"@context": "https://schema.org", **video_object(video, canonical)}
            ),
        },
    )


def video_object(video: Video, url: str) -> dict:
    """schema.org VideoObject. The thumbnail is YouTube's: search engines fetch it,
    the site's pages never do."""
    data = {
        "@type": "VideoObject",
        "name": video.title,
        "description": _plain(video.description) or video.title,
        "thumbnailUrl": f"https://i.ytimg.com/vi/{video.video_id}/hqdefault.jpg",
        "uploadDate": video.uploaded_on.isoformat(),
        "embedUrl": youtube.embed_url(
            video.video_id, start=youtube.start_seconds(video.url), autoplay=False
        ),
        "url": url,
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "about": [{"@type": "Thing", "name": t.name} for t in video.techniques.all()],
    }
    if video.duration_seconds:
        data["duration"] = f"PT{video.duration_seconds}S"
    return data


def _plain(markdown_text: str) -> str:
    return " ".join(strip_tags(render_markdown(markdown_text)).split())


def _video_list_json_ld(request: HttpRequest, videos, url: str) -> SafeString:
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ItemList",
            "url": url,
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "item": video_object(
                        video, request.build_absolute_uri(video.get_absolute_url())
                    ),
                }
                for position, video in enumerate(videos, start=1)
            ],
        }
    )
