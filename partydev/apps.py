from django.apps import AppConfig


class PartydevConfig(AppConfig):
    name = "partydev"
    verbose_name = "partydev"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from simple_history.signals import pre_create_historical_record

        from . import audit, middleware  # noqa: F401 - middleware registers the login stamp

        user_logged_in.connect(audit.on_logged_in, dispatch_uid="partydev.audit.logged_in")
        user_logged_out.connect(audit.on_logged_out, dispatch_uid="partydev.audit.logged_out")
        user_login_failed.connect(audit.on_login_failed, dispatch_uid="partydev.audit.login_failed")
        pre_create_historical_record.connect(
            audit.on_pre_create_historical_record, dispatch_uid="partydev.audit.history_ip"
        )
