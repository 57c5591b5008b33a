from django.contrib import admin
from django.urls import include, path

from reports.home import home

from . import views

handler400 = "partydev.middleware.bad_request"
handler404 = "partydev.middleware.page_not_found"
handler500 = "partydev.middleware.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("ping/", views.ping, name="ping"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("tasks/", include("partydev.task_urls")),
    path("", include("organizations.urls")),
    path("", include("members.urls")),
    path("", include("members.quotas.urls")),
    path("", include("candidates.urls")),
    path("", include("reports.urls")),
    path("", include("documents.urls")),
    path("", include("followup.urls")),
]
