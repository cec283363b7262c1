import re
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import (
    Agent,
    ChannelPolicy,
    Contact,
    ContactAddress,
    Contract,
    Organization,
    OrganizationIdentifier,
    RoutingRule,
    Team,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Preferences"), {"fields": ("language",)}))


class IdentifierInline(admin.TabularInline):
    model = OrganizationIdentifier
    extra = 1


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("number", "title", "sla_plan", "calendar", "is_24x7", "is_active")
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "identifiers__value", "contracts__number")
    inlines = [IdentifierInline, ContractInline]


class ChannelPolicyInline(admin.TabularInline):
    model = ChannelPolicy
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "organization", "sla_plan", "calendar", "is_24x7", "is_active")
    list_filter = ("is_active", "is_24x7", "sla_plan")
    search_fields = ("number", "title", "organization__name")
    autocomplete_fields = ("organization",)
    inlines = [ChannelPolicyInline]


class AddressInline(admin.TabularInline):
    model = ContactAddress
    extra = 1
    fields = ("kind", "value", "is_primary", "confirmed_by")

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # An address an agent types in is one they confirm; they may say otherwise.
        formset.form.base_fields["confirmed_by"].initial = ContactAddress.Confirmation.AGENT
        return formset


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("name", "addresses__key", "organization__name")
    autocomplete_fields = ("organization", "user")
    inlines = [AddressInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "lead", "is_restricted", "assignment")
    list_filter = ("assignment", "is_restricted")
    fields = ("name", "email", "lead", "is_restricted", "assignment", "last_assigned")
    readonly_fields = ("last_assigned",)
    search_fields = ("name",)


class WordListField(forms.CharField):
    """A list of words or phrases typed one per line (commas also separate them)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [word.strip() for word in re.split(r"[\n,]", text) if word.strip()]


class RoutingRuleForm(forms.ModelForm):
    keywords = WordListField(
        label=_("keywords"),
        required=False,
        help_text=RoutingRule._meta.get_field("keywords").help_text,
    )
    required_skills = WordListField(
        label=_("required skills"),
        required=False,
        help_text=RoutingRule._meta.get_field("required_skills").help_text,
    )

    class Meta:
        model = RoutingRule
        fields = (
            "name",
            "position",
            "is_active",
            "category",
            "organization",
            "contract",
            "channel",
            "keywords",
            "team",
            "required_skills",
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ("name", "position", "is_active", "conditions", "team", "skills")
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "team", "channel")
    search_fields = ("name",)  # keywords are JSON, stored \u-escaped on SQLite
    autocomplete_fields = ("organization", "contract", "team")
    fieldsets = (
        (None, {"fields": ("name", "position", "is_active")}),
        (
            _("Conditions (all given must match)"),
            {"fields": ("category", "organization", "contract", "channel", "keywords")},
        ),
        (_("Then"), {"fields": ("team", "required_skills")}),
    )

    def get_queryset(self, request: Any) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("category", "organization", "contract", "team")
        )

    @admin.display(description=_("conditions"))
    def conditions(self, rule: RoutingRule) -> str:
        parts = [
            str(value)
            for value in (rule.category, rule.organization, rule.contract)
            if value is not None
        ]
        if rule.channel:
            parts.append(rule.get_channel_display())
        if rule.keywords:
            parts.append(", ".join(f"«{word}»" for word in rule.keywords))
        return "; ".join(parts) or str(_("any ticket"))

    @admin.display(description=_("required skills"))
    def skills(self, rule: RoutingRule) -> str:
        return ", ".join(rule.required_skills)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_head", "is_on_shift", "last_assigned_at")
    list_filter = ("teams", "is_head", "is_on_shift")
    readonly_fields = ("last_assigned_at",)
    filter_horizontal = ("teams",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
