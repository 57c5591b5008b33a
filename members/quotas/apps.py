from django.apps import AppConfig


class QuotasConfig(AppConfig):
    """Annual admission quotas. They live under members because quotas meet results here:
    admissions are membership events, and the template shows last year's achievement."""

    name = "members.quotas"
    label = "quotas"
    verbose_name = "Chỉ tiêu kết nạp"
