"""The Jobs table: every job in the registry for this provider, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from desktop_app.core.fine_tuning_jobs import STATUS_TEXT, JobRecord
from desktop_app.ui.training.table_models import RecordsModel

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole


class JobsModel(RecordsModel):
    HEADERS = ("Description", "Status", "Base model", "Fine-tuned model", "Created", "Job")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.jobs: list[JobRecord] = []

    def set_jobs(self, jobs: list[JobRecord]) -> None:
        self.beginResetModel()
        self.jobs = sorted(jobs, key=lambda j: (-j.created_at, j.id))
        self.endResetModel()

    def update(self, job: JobRecord) -> int:
        """Replace a job's row (or add it on top); returns its row."""
        for row, old in enumerate(self.jobs):
            if old.id == job.id:
                self.jobs[row] = job
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                return row
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.jobs.insert(0, job)
        self.endInsertRows()
        return 0

    def job(self, row: int) -> JobRecord | None:
        return self.jobs[row] if 0 <= row < len(self.jobs) else None

    def row_of(self, job_id: str) -> int:
        return next((i for i, j in enumerate(self.jobs) if j.id == job_id), -1)

    def records(self) -> list[JobRecord]:
        return self.jobs

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.error or job.description or job.id
        if role != _DISPLAY:
            return None
        created = datetime.fromtimestamp(job.created_at).strftime("%Y-%m-%d %H:%M")
        status = STATUS_TEXT.get(job.status, job.status)
        values = (
            job.description or "—", status, job.base_model, job.fine_tuned_model, created, job.id,
        )  # fmt: skip
        return values[index.column()]
