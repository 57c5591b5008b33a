from django.apps import AppConfig
from django.db.models.signals import post_migrate


def migrate_progress_database(sender: object, using: str = "default", **kwargs: object) -> None:
    """``migrate`` on the database also migrates the progress file beside it (SQLite: a file of
    its own, see partydev/tasks.py), so `make run`, the bench and the deployment need no step."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    if using != "default" or "progress" not in settings.DATABASES:
        return
    default = connections["default"]
    if default.vendor != "sqlite" or str(default.settings_dict["NAME"]) != settings.TASKS_PROGRESS_MIGRATE_WITH:
        return  # PostgreSQL: the same database; a test database: the test runner migrates it
    call_command("migrate", database="progress", verbosity=0, interactive=False)


class PartydevConfig(AppConfig):
    name = "partydev"
    verbose_name = "partydev"

    def ready(self) -> None:
        # Imported here, not at the top: settings -> INSTALLED_APPS -> this module -> audit ->
        # models -> the app registry, which is not ready while this module is imported (the cycle
        # Django's AppConfig.ready exists to break).
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from simple_history.signals import pre_create_historical_record

        from . import audit, middleware  # noqa: F401 - middleware registers the login stamp

        user_logged_in.connect(audit.on_logged_in, dispatch_uid="partydev.audit.logged_in")
        user_logged_out.connect(audit.on_logged_out, dispatch_uid="partydev.audit.logged_out")
        user_login_failed.connect(audit.on_login_failed, dispatch_uid="partydev.audit.login_failed")
        post_migrate.connect(migrate_progress_database, sender=self, dispatch_uid="partydev.tasks.progress_db")
        pre_create_historical_record.connect(
            audit.on_pre_create_historical_record, dispatch_uid="partydev.audit.history_ip"
        )
