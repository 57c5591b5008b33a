from django.urls import path

from . import task_views

app_name = "tasks"
urlpatterns = [
    path("", task_views.task_list, name="list"),
    path("<uuid:pk>/", task_views.task_detail, name="detail"),
    path("<uuid:pk>/status/", task_views.task_status, name="status"),
    path("<uuid:pk>/file/", task_views.task_file, name="file"),
]
