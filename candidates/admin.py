"""Admin: the local criteria committees add (Directive 28-CT/TW), and read-only views of the
pipeline (every change goes through the services and the screens)."""

from django.contrib import admin

from partydev.admin import ReadOnlyAdmin, register_history

from .models import Candidate, CandidateEvent, CriterionCheck, LocalCriterion


@admin.register(LocalCriterion)
class LocalCriterionAdmin(admin.ModelAdmin):
    list_display = ("label", "organization", "required_before", "active")
    list_filter = ("active", "required_before")
    search_fields = ("label", "organization__name", "organization__code")
    autocomplete_fields = ("organization",)


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ("person", "cell", "stage", "stage_date", "next_due")
    list_filter = ("stage",)
    search_fields = ("person__full_name", "cell__code")
    list_select_related = ("person", "cell")
    raw_id_fields = ("person", "cell", "helper", "introducer_1", "introducer_2", "decided_by", "membership")


@admin.register(CandidateEvent)
class CandidateEventAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "kind", "stage_to", "effective_date", "recorded_by", "recorded_at")
    list_filter = ("kind", "stage_to", "regulation")
    list_select_related = ("candidate__person", "recorded_by")
    raw_id_fields = ("candidate", "cell", "recorded_by")


for _model in (Candidate, CandidateEvent, CriterionCheck, LocalCriterion):
    register_history(_model)  # read-only change trails, per object and per user
