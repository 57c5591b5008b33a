import datetime
import io

import pytest
from docx import Document

from candidates import services
from candidates.models import Stage
from tests.candidates.factories import candidate_at, official_member, person_fields, step_data

START = datetime.date(2026, 6, 1)  # the cell votes on 27/07/2026, the decision on 24/08/2026


def docx_text(data: bytes) -> str:
    """Every paragraph of the document, the cells of its tables included, one per line."""
    doc = Document(io.BytesIO(bytes(data)))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


@pytest.fixture
def decided(tree):
    """A candidate of cell CXA admitted by district X (decision recorded, ceremony not yet)."""
    helper = official_member(tree.CXA, full_name="Bùi Văn Giúp")
    return candidate_at(
        tree.CXA, Stage.DECISION, start=START, helper=helper, decided_by=tree.X, full_name="Hoàng Thị Mận"
    )


def official_candidate(tree, full_name, start=datetime.date(2024, 1, 8)):
    """A candidate recognised as official: admitted by district X, ceremony 15/04/2024, proposed
    on 21/04/2025, recognised on 12/05/2025."""
    helper = official_member(tree.CXA)
    data = step_data(start, helper=helper, decided_by=tree.X)
    data.update(
        recognition_proposal_date=datetime.date(2025, 4, 21), recognition_decision_date=datetime.date(2025, 5, 12)
    )
    return services.candidate_backfill(
        person_fields=person_fields(full_name=full_name),
        cell=tree.CXA,
        source_kind="youth_union",
        source_date=start,
        stage=Stage.OFFICIAL,
        data=data,
    )
