"""``{% candidate_papers c %}``: the papers panel of the candidate page (templates/candidates/).

A template tag, so the candidate page (a floor below) shows the papers without importing them."""

from django import template
from django.template import Context

from candidates.models import Candidate
from documents import selectors

register = template.Library()


@register.inclusion_tag("documents/_candidate_papers.html", takes_context=True)
def candidate_papers(context: Context, candidate: Candidate) -> dict[str, object]:
    user = context["request"].user
    return {
        "c": candidate,
        "papers": selectors.candidate_papers(candidate, user),
        "csrf_token": context.get("csrf_token"),
        "default_signer": user.get_full_name() or "",
    }
