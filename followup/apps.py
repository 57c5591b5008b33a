from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """Committee members' follow-up of development work (phân công phụ trách, kiểm tra hằng tháng,
    đánh giá cuối năm). Sits above reports: it reads candidates, members, quotas and reports."""

    name = "followup"
    label = "followup"
    verbose_name = "Theo dõi, kiểm tra"
