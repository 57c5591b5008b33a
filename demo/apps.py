from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo province, the scale copies and the benchmarks (`seed_demo`, `bench`). The top floor:
    it imports every app, and nothing imports it."""

    name = "demo"
    verbose_name = "Dữ liệu mẫu"
