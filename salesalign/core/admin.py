"""The Django admin for the core models: logins, API tokens (read-only), import history, notifications."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from salesalign.core.models import ApiToken, ImportBatch, Notification, User

admin.site.register(User, UserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "name", "hint", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: object) -> bool:  # tokens are made by their owners
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "kind",
        "status",
        "new_count",
        "changed_count",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["file_name"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields if field.name != "content"]
    exclude = ["content"]

    def has_add_permission(self, request: object) -> bool:  # imports are made on the import pages
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "subject", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["subject", "recipient__name"]
    raw_id_fields = ["recipient"]
    list_select_related = ["recipient"]
