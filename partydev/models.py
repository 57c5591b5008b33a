"""Models of the cross-cutting app. Each lives in its own module, imported here."""

from .audit import AuditEvent, HistoryBase  # noqa: F401 - the audit trail lives in audit.py
from .calendar_models import CalendarDay  # noqa: F401 - days declared in the working-day calendar
from .once import OnceToken  # noqa: F401 - one-time tokens of the creating forms
from .task_models import TaskProgress, TaskRun  # noqa: F401 - background tasks, see tasks.py
from .upload_models import Upload  # noqa: F401 - spreadsheet uploads, see uploads.py
