from django.urls import path

from . import evaluation_views, views

app_name = "followup"

urlpatterns = [
    path("followup/", views.home, name="home"),
    path("followup/assignments/", views.assignments, name="assignments"),
    path("followup/assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("followup/assignments/<int:pk>/<str:month>/", views.check, name="check"),
    path("followup/actions/<int:pk>/done/", views.action_done, name="action-done"),
    path("followup/evaluation/<str:code>/", evaluation_views.evaluation, name="evaluation"),
    path("followup/thresholds/<str:code>/", evaluation_views.thresholds, name="thresholds"),
    path("followup/lists/<str:code>/", evaluation_views.commend_remind, name="lists"),
]
