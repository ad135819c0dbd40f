"""Background work of the sales app, run by huey workers (`manage.py run_huey`).

Large import files of every kind (orders, customers, satisfaction answers) are
checked and committed here; the page polls the batch's progress. Each task
only names the batch and the user: the file, its kind and its mapping are in
the database, so a worker on another machine can run it.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from salesalign.sales import importing_records


@db_task(retries=0)
def import_check_task(batch_id: int, user_id: int) -> None:
    """Check an uploaded import file (a dry run of its kind's service); writes no records."""
    importing_records.run_phase(batch_id, "check", user_id)


@db_task(retries=0)
def import_commit_task(batch_id: int, user_id: int) -> None:
    """Commit a checked import file, all or nothing."""
    importing_records.run_phase(batch_id, "commit", user_id)
