from django.urls import include, path

app_name = "comments"

urlpatterns = [
    path("", include("gazette.comments.reader_urls")),
    path("", include("gazette.comments.account_urls")),
]
