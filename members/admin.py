"""The register's change trails, read-only in the admin (every change goes through the services)."""

from partydev.admin import register_history

from .models import Membership, MembershipEvent, Person, Proposal

for _model in (Person, Membership, MembershipEvent, Proposal):
    register_history(_model)  # per object (search its id) and per user (filter)
