from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = "Văn bản"

    def ready(self) -> None:
        # Imported here, not at the top: the services import the models, which need the app
        # registry this method is called after. The candidates' floor asks for an issued
        # decision's number without importing this app (``candidates.rules``).
        from candidates import rules

        from . import services

        rules.register_issued_decision_number(services.issued_decision_number)
