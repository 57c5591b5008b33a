from django.urls import path

from . import api, dashboards, views

app_name = "reports"

urlpatterns = [
    path("orgs/", views.browser, name="browser"),
    path("orgs/pick/", views.pick, name="pick"),
    path("orgs/<str:code>/", views.browser, name="browser-org"),
    # Landing pages: reports:dashboard goes to the dashboard of the top of the user's scope.
    path("dashboard/", dashboards.dashboard_home, name="dashboard"),
    path("dashboard/<str:code>/", dashboards.dashboard, name="dashboard-org"),
    path("reports/<str:code>/new-members/", dashboards.new_members, name="new-members"),
    path("reports/<str:code>/coverage/", dashboards.coverage, name="coverage"),
    path("reports/<str:code>/exits/", dashboards.exits, name="exits"),
    path("reports/<str:code>/projection/", dashboards.projection, name="projection"),
    path("api/reports/achievement", api.achievement, name="api-achievement"),
    path("api/reports/new-members", api.new_members, name="api-new-members"),
    path("api/reports/exits", api.exits, name="api-exits"),
]
