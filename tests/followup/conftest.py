import pytest

from followup.models import CommitteeMember
from organizations.models import Role
from tests.fixtures import make_user


@pytest.fixture
def committee_member(tree, users):
    """A member of district X's committee, who also works as district staff there."""
    user = make_user("cuv_x", Role.Kind.DISTRICT_STAFF, tree.X)
    return CommitteeMember.objects.create(user=user, committee=tree.X, full_name="Bùi Văn Thắng")


@pytest.fixture
def member_y(tree, users):
    user = make_user("cuv_y", Role.Kind.DISTRICT_STAFF, tree.Y)
    return CommitteeMember.objects.create(user=user, committee=tree.Y, full_name="Đinh Thị Hoa")
