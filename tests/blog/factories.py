"""Test data for the blog: editors, live posts, tags, disclaimers and videos."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from blog.models import Disclaimer, Post, Tag, Video
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
    class Meta:
        model = Video

    post = factory.SubFactory(PostFactory)
    url = "https://www.youtube.com/watch?v=abcDEF12345"
    title = "Self-massage for a stiff lower back"
