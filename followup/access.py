"""Who may do what in the follow-up, in its own words: capabilities of ``organizations.permissions``.
Seeing follows ``for_user``; these decide the actions."""

from organizations import permissions

MANAGER_KINDS = permissions.DECIDING_WORK

can_manage = permissions.may_manage_followup
can_rate = permissions.may_rate_year
is_assignee = permissions.is_assignee
can_record_check = permissions.may_record_check
