from django.urls import URLPattern, path

from . import feeds, views

urlpatterns: list[URLPattern] = [
    path("post/<int:article_id>/", views.comment_post, name="post"),
    path("token/<int:article_id>/", views.script_token, name="token"),
    path("held/<str:key>/", views.held_notice, name="held"),
    path("<int:comment_id>/", views.permalink, name="permalink"),
    path("feed/<str:kind>/", feeds.site_feed, name="feed"),
    path("feed/<int:article_id>/<str:kind>/", feeds.article_feed, name="article_feed"),
]
