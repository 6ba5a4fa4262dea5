"""When each periodic job last ran: the shared memory of every scheduler and cron run."""
from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.orm import UTCDateTime


class PeriodicJobRun(Model):
    """One row per periodic job name. ``last_run_at`` is claimed with a conditional UPDATE,
    so two schedulers (or two overlapping cron runs) never start the same run twice."""

    __tablename__ = "periodic_job_runs"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_run_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_status: Mapped[str] = mapped_column(String(12), default="")  # queued, ok, failed
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_duration_ms: Mapped[Optional[int]] = mapped_column(Integer)
