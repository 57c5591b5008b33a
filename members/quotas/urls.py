from django.urls import path

from . import views

app_name = "quotas"

flow = views.upload_flow

urlpatterns = [
    path("quotas/", views.quota_home, name="home"),
    path("quotas/template", views.template_download, name="template"),
    path("quotas/upload/", flow.upload_view, name="upload"),
    path("quotas/upload/<int:pk>/", flow.preview_view, name="upload-preview"),
    path("quotas/upload/<int:pk>/confirm/", flow.confirm_view, name="upload-confirm"),
    path("quotas/upload/<int:pk>/file/", flow.file_view, name="upload-file"),
    path("quotas/<str:code>/", views.quota_page, name="page"),
    path("quotas/<str:code>/<int:year>/edit/", views.quota_edit, name="edit"),
]
