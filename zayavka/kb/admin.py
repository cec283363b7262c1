"""The knowledge base in the admin: its sections are configured here; articles are
written in the workspace (/desk/kb/), so that every save keeps a version, and are only
shown here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from zayavka.kb.models import Article, ArticleFile, ArticleRevision, KbCategory


@admin.register(KbCategory)
class KbCategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ru", "name_en", "ticket_category", "position")
    list_editable = ("position",)


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    fields = ("number", "saved_at", "saved_by", "state", "visibility", "title_ru", "note")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FileInline(admin.TabularInline):
    model = ArticleFile
    extra = 0
    fields = ("filename", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "title_ru",
        "category",
        "state",
        "visibility",
        "views",
        "helpful",
        "not_helpful",
        "updated_at",
    )
    list_filter = ("state", "visibility", "category")
    search_fields = ("slug", "title_ru", "title_en", "tags")
    inlines = [RevisionInline, FileInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in Article._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)
