from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Course, CourseDate


class CoursePagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["courses:list"]

    def location(self, item: str) -> str:
        return reverse(item)


class CourseSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Course]:
        return Course.objects.published().order_by("pk")

    def lastmod(self, item: Course):
        return item.updated_at


class CourseDateSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> QuerySet[CourseDate]:
        return (
            CourseDate.objects.listed()
            .filter(course__is_published=True)
            .select_related("course")
            .order_by("pk")
        )

    def lastmod(self, item: CourseDate):
        return item.updated_at


# The sections config/sitemaps.py gathers into /sitemap.xml.
sections = {
    "course-pages": CoursePagesSitemap,
    "courses": CourseSitemap,
    "course-dates": CourseDateSitemap,
}
