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
    path("candidates/<int:pk>/criteria/", views.criterion_check, name="criterion"),
    path("candidates/export/<str:code>.xlsx", views.export, name="export"),
]
