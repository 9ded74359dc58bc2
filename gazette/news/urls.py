from django.urls import path, re_path

from . import feeds, sitemaps, views

app_name = "news"

FORMAT = r"(?P<fmt>rss|atom|json)"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("tags/<slug:slug>/", views.tag_page, name="tag"),
    path("authors/<slug:slug>/", views.author_page, name="author"),
    path("reads/<int:article_id>/", views.read_beacon, name="read"),
    # Feeds: /feeds/rss/, /feeds/section/world/atom/, /feeds/tag/harbour/json/ ...
    re_path(rf"^feeds/{FORMAT}/$", feeds.story_feed, name="feed"),
    re_path(rf"^feeds/section/(?P<slug>[-\w]+)/{FORMAT}/$", feeds.story_feed,
            {"scope": "section"}, name="section_feed"),
    re_path(rf"^feeds/tag/(?P<slug>[-\w]+)/{FORMAT}/$", feeds.story_feed,
            {"scope": "tag"}, name="tag_feed"),
    # Sitemaps and robots.txt live at the root of the site.
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news_sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
]
