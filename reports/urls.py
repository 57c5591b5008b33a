from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("orgs/", views.browser, name="browser"),
    path("orgs/<str:code>/", views.browser, name="browser-org"),
]
