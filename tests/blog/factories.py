"""Test data for the blog: editors, live posts, tags, disclaimers and videos."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from blog.models import Disclaimer, Post, PostVideo, Tag, Video
from tests.users.factories import StaffFactory, UserFactory


class EditorFactory(UserFactory):
    """Staff in the Editors group (created by a blog migration), not a superuser."""

    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Editors"))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class DisclaimerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disclaimer

    title = "Health disclaimer"
    body = "Massage is not a substitute for medical advice."


class PostFactory(factory.django.DjangoModelFactory):
    """A published post whose time has passed (so live)."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    author = factory.SubFactory(StaffFactory)
    summary = "What this article is about."
    body = "An opening paragraph.\n\n## A heading\n\n- one\n- two\n"
    status = Post.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def techniques(self, create, extracted, **kwargs):
        if create and extracted:
            self.techniques.add(*extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class VideoFactory(factory.django.DjangoModelFactory):
    """A library video. `post=...` shows it in that article too; `techniques=[...]`."""

    class Meta:
        model = Video
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Self-massage for a stiff back, part {n}")
    slug = factory.Sequence(lambda n: f"video-{n}")
    url = "https://www.youtube.com/watch?v=abcDEF12345"
    uploaded_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))

    @factory.post_generation
    def techniques(self, create, extracted, **kwargs):
        if create and extracted:
            self.techniques.add(*extracted)

    @factory.post_generation
    def post(self, create, extracted, **kwargs):
        """`post=PostFactory()`, or `post=True` for a new live article."""
        if not create or (extracted is None and not kwargs) or extracted is False:
            return
        if extracted is None or extracted is True:
            extracted = PostFactory(**kwargs)
        PostVideo.objects.create(post=extracted, video=self, position=0)
        self.shown_in = extracted
