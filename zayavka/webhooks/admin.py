"""Webhooks in the admin: subscriptions (events as checkboxes), and the delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from zayavka.webhooks.models import Delivery, Event, Subscription


class SubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Subscription
        fields = ["name", "url", "events", "is_active", "allow_private_network", "secret"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "is_active", "allow_private_network", "created_at"]
    list_filter = ["is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Only a superuser may point the desk at its own network.
        return [] if request.user.is_superuser else ["allow_private_network"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subscription", "event", "attempt", "ok", "status_code", "error"]
    list_filter = ["ok", "event", "subscription"]
    search_fields = ["event_id", "url", "error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
