from django.contrib import admin

from zayavka.workspace.models import CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "is_active", "position"]
    list_filter = ["language", "is_active"]
    list_editable = ["is_active", "position"]
    search_fields = ["title", "text"]
