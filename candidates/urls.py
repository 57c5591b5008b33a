from django.urls import path

from . import views

app_name = "candidates"

urlpatterns = [
    path("candidates/", views.worklist, name="worklist"),
    path("candidates/board/", views.board_home, name="board-home"),
    path("candidates/board/<str:code>/", views.board, name="board"),
    path("candidates/add/", views.candidate_add, name="add"),
    path("candidates/<int:pk>/", views.candidate_detail, name="detail"),
    path("candidates/<int:pk>/step/", views.candidate_step, name="step"),
    path("candidates/<int:pk>/drop/", views.candidate_drop, name="drop"),
    path("candidates/<int:pk>/return/", views.candidate_return, name="return"),
    path("candidates/<int:pk>/move/", views.candidate_move, name="move"),
    path("candidates/<int:pk>/strike-off/", views.candidate_strike_off, name="strike-off"),
    path("candidates/<int:pk>/criteria/", views.criterion_check, name="criterion"),
    path("candidates/exceptions/<str:code>/", views.exception_routes, name="exception-routes"),
    path("candidates/calendar/", views.calendar_page, name="calendar"),
    path("candidates/export/<str:code>.xlsx", views.export, name="export"),
    path("candidates/import/", views.backfill_flow.upload_view, name="upload"),
    path("candidates/import/template.xlsx", views.backfill_template, name="backfill-template"),
    path("candidates/import/<int:pk>/", views.backfill_flow.preview_view, name="upload-preview"),
    path("candidates/import/<int:pk>/confirm/", views.backfill_flow.confirm_view, name="upload-confirm"),
    path("candidates/import/<int:pk>/file/", views.backfill_flow.file_view, name="upload-file"),
]
