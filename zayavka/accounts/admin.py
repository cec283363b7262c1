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
    fields = ("kind", "value", "is_primary")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("name", "addresses__key", "organization__name")
    autocomplete_fields = ("organization", "user")
    inlines = [AddressInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "lead", "is_restricted")
    search_fields = ("name",)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_head", "is_on_shift")
    list_filter = ("teams", "is_head", "is_on_shift")
    filter_horizontal = ("teams",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
