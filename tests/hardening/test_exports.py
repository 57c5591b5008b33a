"""Every export of the project: text that a spreadsheet would run as a formula is escaped,
numbers stay numbers, and each export holds only the caller's scope.

The exports are found, not listed: the URL patterns named ``*export*`` or ending in ``.xlsx``,
and every page of the access matrix that answers ``?format=xlsx`` with a workbook.
"""

import io
import re
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from members.models import Person
from organizations.models import Organization

from .test_access_matrix import COVERED, MATRIX, _url
from .world import body_text, clients, leaks, world  # noqa: F401 (fixtures)

XLSX = "spreadsheetml"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_TEXT = re.compile(r"^[+-]?\d{1,3}([.,\s]?\d{3})*([.,]\d+)?\s*%?$")
ID_TEXT = re.compile(r"^\d{6,}$|^\d{4}$")  # identifiers (national ID, card number) stay text; years in titles


def _with_format(url: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({"format": "xlsx"})


_FOUND: dict[str, bool] = {}  # route -> exported through ?format=xlsx; found once per run


def find_exports(world, client, side) -> dict[str, str]:
    """route -> the URL of its export for ``side``, for every export the project has."""
    if not _FOUND:
        for endpoint in COVERED:
            spec = MATRIX[endpoint.route]
            if spec.get_405 or endpoint.name == "upload-file":
                continue  # the stored upload is the uploader's own file, returned byte for byte
            if "export" in (endpoint.name or "") or endpoint.route.endswith(".xlsx"):
                _FOUND[endpoint.route] = False
                continue
            url = _url(endpoint.route, spec.target(world.X) if spec.target else None)
            response = client.get(_with_format(url))
            if response.status_code == 200 and XLSX in response.get("Content-Type", ""):
                _FOUND[endpoint.route] = True
    found = {}
    for route, by_format in _FOUND.items():
        spec = MATRIX[route]
        url = _url(route, spec.target(side) if spec.target else None)
        found[route + (" ?format=xlsx" if by_format else "")] = _with_format(url) if by_format else url
    return found


@pytest.fixture
def hostile(world, db):
    """Formula-like text where exports copy it: an organisation's name, people's names."""
    Organization.objects.filter(pk=world.X.cell.pk).update(name='=HYPERLINK("http://x","Chi bộ xóm Bưng")')
    Person.objects.filter(pk=world.X.membership.person.pk).update(full_name="+Đinh Văn Xứng")
    Person.objects.filter(pk=world.X.candidate.person.pk).update(full_name="@Bạc Cầm Xoan")
    return world


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def test_exports_escape_formulas_and_keep_numbers(hostile, clients):
    world = hostile
    exports = find_exports(world, clients["province"], world.X)
    assert len(exports) >= 10, sorted(exports)
    problems, numbers = [], {}
    for route, url in sorted(exports.items()):
        response = clients["district_x"].get(url)
        assert response.status_code == 200 and XLSX in response["Content-Type"], (route, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        numbers[route] = 0
        for sheet, cell in _cells(content):
            where = f"{route} {sheet}!{cell.coordinate}"
            if cell.data_type == "f":
                problems.append(f"{where}: a formula {cell.value!r}")
            elif isinstance(cell.value, str):
                if cell.value.startswith(FORMULA_START):
                    problems.append(f"{where}: unescaped {cell.value!r}")
                elif NUMBER_TEXT.match(cell.value.strip()) and not ID_TEXT.match(cell.value.strip()):
                    problems.append(f"{where}: a number written as text {cell.value!r}")
            elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                numbers[route] += 1
    assert problems == []
    # The escaped texts are there, as text with the apostrophe.
    members = clients["district_x"].get(exports["members/export.xlsx"])
    assert "'+Đinh Văn Xứng" in body_text(members)
    # The tables of figures hold numbers, not texts of digits (those were refused above).
    for route in (
        "members/export.xlsx",
        "dashboard/<str:code>/ ?format=xlsx",
        "reports/<str:code>/exits/ ?format=xlsx",
        "followup/evaluation/<str:code>/ ?format=xlsx",
    ):
        assert numbers[route] > 0, route


@pytest.mark.parametrize(
    "role, home, other",
    [
        ("secretary_a", "X", "Y"),
        ("grassroots", "X", "Y"),
        ("district_x", "X", "Y"),
        ("secretary_b", "Y", "X"),
        ("district_y", "Y", "X"),
    ],
)
def test_every_export_keeps_to_the_scope(role, home, other, world, clients):
    exports_home = find_exports(world, clients["province"], world.side(home))
    exports_other = find_exports(world, clients["province"], world.side(other))
    secrets = world.side(other).secret_texts()
    for route, url in exports_home.items():
        response = clients[role].get(url)
        if response.status_code == 200:
            assert leaks(body_text(response), secrets) == [], (role, route)
        else:  # a role-bound export (a template the role may not use): refused, never a leak
            assert response.status_code in (403, 404), (role, route, response.status_code)
    for route, url in exports_other.items():
        if route not in exports_home or exports_other[route] == exports_home[route]:
            continue  # scope-free URL: checked above
        response = clients[role].get(url)
        assert response.status_code == 404, (role, route, response.status_code)
