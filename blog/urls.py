from django.urls import path

from . import feeds, views

app_name = "blog"

urlpatterns = [
    path("", views.post_list, name="list"),
    path("feed/rss/", feeds.LatestPostsFeed(), name="feed-rss"),
    path("feed/atom/", feeds.LatestPostsAtomFeed(), name="feed-atom"),
    path("technique/<slug:slug>/", views.technique, name="technique"),
    path("tag/<slug:slug>/", views.tag, name="tag"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("<slug:slug>/", views.detail, name="detail"),
]
