"""Rendering helpers for the pipeline board: a card is rendered in Python (every value escaped),
not through nested template tags, because a district's board draws dozens of them per view."""

from html import escape

from django import template
from django.template import Context
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from candidates import rules
from candidates.models import VERIFICATION_RELATIONS, VerificationOutcome
from candidates.selectors import Card

register = template.Library()


@register.simple_tag(takes_context=True)
def pipeline_card(context: Context, c: Card, show_cell: bool) -> SafeString:
    prefix = context.get("_candidate_url_prefix")
    if prefix is None:
        prefix = reverse("candidates:detail", args=[0])[:-2]
        context.dicts[0]["_candidate_url_prefix"] = prefix  # once per page, not once per card
    html = [
        f'<li class="cardlet{" overdue" if c.overdue_days else ""}"><a href="{prefix}{int(c.pk)}/">{escape(c.full_name)}</a>'
    ]
    if show_cell:
        html.append(f'<span class="muted small">{escape(c.cell_name)}</span>')
    if c.next_due:
        late = f" · quá {int(c.overdue_days)} ngày" if c.overdue_days else ""
        html.append(f'<span class="small">Hạn {c.next_due:%d/%m/%Y}{late}</span>')
    if c.certificate_warning:
        html.append('<span class="small late">Giấy chứng nhận sắp hết hạn</span>')
    html.append("</li>")
    return mark_safe("".join(html))


@register.filter
def regulation_title(key: str) -> str:
    """The title of a regulation entry from its key (``rules.REGULATIONS``)."""
    return rules.regulation_by_key(key).title if key else ""


@register.simple_tag
def verification_rows(subjects: dict[str, str]) -> list[tuple[str, str]]:
    """(relation, outcome) labels of the people a background verification covered."""
    outcomes = dict(VerificationOutcome.choices)
    return [(label, outcomes.get(subjects[key], "")) for key, label in VERIFICATION_RELATIONS if subjects.get(key)]
