"""Users, API tokens and the abstract bases every app shares."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesalign.core.languages import in_english


class User(AbstractUser):
    """A login. The person behind it (unit, role) is `user.person`, when there is one."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class TimeStampedModel(models.Model):
    """Adds created/updated times."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class BilingualNameModel(models.Model):
    """A name in the company's working language plus an optional English name."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The English name when the page is in English and one is set, else the name."""
        if in_english() and self.name_en:
            return self.name_en
        return self.name


def hash_token(raw: str) -> str:
    """Tokens are stored as SHA-256 digests; the raw token is shown once."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token for integrations. Only its hash is kept; it can be revoked."""

    PREFIX = "sa_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def generate() -> str:
        return ApiToken.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ImportBatch(models.Model):
    """One uploaded import file: its bytes, what the check found, and whether it was committed.

    Kept for history, and it carries the preview between requests (several web
    processes may serve them), so the uploaded file lives here, not in memory.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting in the queue")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Checked, waiting for commit")
        COMMITTED = "committed", _("Committed")
        FAILED = "failed", _("Has errors")

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file content"), editable=False)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    new_count = models.PositiveIntegerField(_("new"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # A large file is checked and committed by a worker; the page polls these two.
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, help_text="0–100")
    source = models.CharField(
        _("source"), max_length=40, blank=True, help_text=_("The system the file comes from.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name} ({self.get_status_display()})"

    @property
    def can_commit(self) -> bool:
        """Only a checked batch without errors may be committed, once."""
        return self.status == self.Status.PREVIEWED and self.error_count == 0

    @property
    def is_working(self) -> bool:
        """A worker is checking or committing it (or it waits for one)."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: object) -> NotificationQuerySet:
        """A person's notifications are theirs alone; a login without a person has none."""
        person_id = getattr(getattr(user, "person", None), "pk", None)
        if person_id is None:
            return self.none()
        return self.filter(recipient_id=person_id)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something waiting for a person inside SalesAlign (the home page's badge and list).

    `subject` is an English message id with `%(name)s` placeholders filled from
    `params` and translated when shown, so each reader gets their own language.
    """

    recipient = models.ForeignKey(
        "organization.Person",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=300)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"

    @property
    def text(self) -> str:
        """The subject in the reader's language, with its details filled in. A name is
        stored as `name` (or `customer` …) with its English form as `name_en` (`customer_en`)
        when there is one, and read in the reader's language, as
        `BilingualNameModel.display_name` does."""
        from django.utils.translation import gettext

        message = gettext(self.subject)
        params = self.params
        if params and in_english():
            english = {
                key.removesuffix("_en"): value
                for key, value in params.items()
                if key.endswith("_en") and value
            }
            if english:
                params = {**params, **english}
        try:
            return message % params if params else message
        except (KeyError, TypeError, ValueError):
            return message
