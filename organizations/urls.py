from django.urls import path

from . import api, views

app_name = "organizations"

urlpatterns = [
    path("api/organizations", api.organization_list, name="api-list"),
    path("api/organizations/<str:code>", api.organization_detail, name="api-detail"),
    path("orgs/<str:code>/restructure/", views.restructure_view, name="restructure"),
]
