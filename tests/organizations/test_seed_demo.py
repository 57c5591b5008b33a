import pytest
from django.core.management import call_command
from django.db.models import Count

from organizations.models import DISTRICT_LEVEL_KINDS, Kind, Organization, ResidentialArea
from partydev.figures import PUBLISHED as FIGURES

pytestmark = pytest.mark.django_db


def test_seed_demo_reproduces_the_published_structure(django_user_model):
    call_command("seed_demo", "--only", "tree")
    call_command("seed_demo", "--only", "tree")  # twice: nothing is duplicated
    structure = FIGURES["structure"]
    province = Organization.objects.get(code="HB")
    kinds = dict(
        Organization.objects.filter(path__startswith=province.path)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    directly_under = Organization.objects.get_children(province)
    assert directly_under.count() == structure["directly_subordinate_committees"]
    assert (
        directly_under.filter(kind__in=DISTRICT_LEVEL_KINDS).count() == structure["district_level_committees_of_which"]
    )
    assert kinds[Kind.GRASSROOTS_COMMITTEE] + kinds[Kind.GRASSROOTS_CELL] == structure["grassroots_organizations"]
    assert kinds[Kind.GRASSROOTS_COMMITTEE] == structure["grassroots_party_committees"]
    assert kinds[Kind.GRASSROOTS_CELL] == structure["grassroots_cells"]
    assert kinds[Kind.PARTIAL_COMMITTEE] == structure["partial_party_committees"]
    assert kinds[Kind.CELL] == structure["cells_under_grassroots_or_partial_committees"]
    assert ResidentialArea.objects.exists()
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    for username in ("province", "district", "grassroots", "secretary"):
        assert django_user_model.objects.get(username=username).check_password("partydev-demo")
