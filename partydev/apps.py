from django.apps import AppConfig


class PartydevConfig(AppConfig):
    name = "partydev"
    verbose_name = "partydev"
