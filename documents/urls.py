from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("candidates/<int:pk>/documents/<str:kind>/issue/", views.issue, name="issue"),
    path("documents/<int:pk>.docx", views.download, name="download"),
    path("documents/<int:pk>.pdf", views.download_pdf, name="download-pdf"),
    path("documents/register/<str:code>/", views.register, name="register"),
    path("documents/cultivation/<str:code>/", views.cultivation_list, name="cultivation-list"),
    path("documents/statistics/<str:code>/new-members.xlsx", views.statistics_new_members, name="stat-new-members"),
    path("documents/statistics/<str:code>/admissions.xlsx", views.statistics_admissions, name="stat-admissions"),
    path("documents/templates/", views.templates_page, name="templates"),
    path("documents/templates/<str:kind>.docx", views.template_file, name="template-file"),
    path("documents/templates/<str:kind>/revert/", views.template_revert, name="template-revert"),
]
