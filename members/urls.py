from django.urls import path

from . import api, imports, views

app_name = "members"

upload = imports.MemberUploadFlow()

urlpatterns = [
    path("members/", views.member_list, name="list"),
    path("members/export.xlsx", views.member_export, name="export"),
    path("members/new/", views.admit, name="new"),
    path("members/transfer-in/", views.transfer_in, name="transfer-in"),
    path("members/import/", upload.upload_view, name="upload"),
    path("members/import/template.xlsx", imports.template_view, name="import-template"),
    path("members/import/<int:pk>/", upload.preview_view, name="upload-preview"),
    path("members/import/<int:pk>/confirm/", upload.confirm_view, name="upload-confirm"),
    path("members/import/<int:pk>/file/", upload.file_view, name="upload-file"),
    path("members/<int:pk>/", views.member_detail, name="detail"),
    path("members/<int:pk>/edit/", views.person_edit, name="edit"),
    path("members/<int:pk>/record/<str:kind>/", views.record_event, name="record"),
    path("members/<int:pk>/propose/<str:kind>/", views.propose, name="propose"),
    path("members/<int:pk>/proposals/<int:proposal_pk>/reject/", views.reject_proposal, name="reject-proposal"),
    path("api/reports/members", api.member_counts, name="api-counts"),
]
