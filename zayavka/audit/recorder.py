"""Writes the audit log from model signals.

Why signals and not an admin mixin: every save and delete through the ORM sends them,
whoever calls it (the admin, a workspace view, a management command, a shell), so a
new view or a new admin cannot forget to record. What they do not see is a bulk write
(`QuerySet.update()`, `bulk_create()`), which the desk uses for its own bookkeeping
(round-robin cursors, sign-in timestamps), never for an administrator's change.

The models recorded are listed in AUDITED; a field in SECRET is recorded as changed
without its value; fields in IGNORED are bookkeeping, not an administrator's change.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from zayavka.audit.context import current_request
from zayavka.audit.models import AuditEntry

AUDITED = (
    "accounts.User",
    "auth.Group",
    "accounts.Organization",
    "accounts.OrganizationIdentifier",
    "accounts.Contract",
    "accounts.ChannelPolicy",
    "accounts.Team",
    "accounts.Agent",
    "accounts.RoutingRule",
    "sla.Calendar",
    "sla.SlaPlan",
    "sla.SlaTarget",
    "sla.SlaEscalation",
    "tickets.Category",
    "tickets.CategoryField",
    "tickets.Status",
    "tickets.Priority",
    "workspace.CannedResponse",
    "email_channel.Mailbox",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "kb.KbCategory",
    "webhooks.Subscription",
    "api.ApiToken",
)
SECRET = {"password", "key", "token", "secret", "digest"}
IGNORED = {
    "accounts.User": {"last_login"},
    "api.ApiToken": {"window_start", "window_hits", "last_used_at"},
    "accounts.Team": {"last_assigned"},
    "accounts.Agent": {"last_assigned_at"},
    "otp_totp.TOTPDevice": {
        "last_t",
        "drift",
        "throttling_failure_timestamp",
        "throttling_failure_count",
        "last_used_at",
    },
    "otp_static.StaticDevice": {
        "throttling_failure_timestamp",
        "throttling_failure_count",
        "last_used_at",
    },
}
HIDDEN = "(changed)"

# The row as it was before a save, per thread: pre_save reads it, post_save compares.
_before = threading.local()


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    ignored = IGNORED.get(model._meta.label, set())
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in ignored
        and not f.primary_key
        and f.name not in {"created_at", "updated_at"}
    ]


def _plain(value: Any) -> Any:
    """A value the JSON column can keep as it was."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def _snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.name: _plain(getattr(instance, f.attname)) for f in _fields(type(instance))}


def _stored(model: type[models.Model], pk: Any) -> dict[str, Any] | None:
    fields = _fields(model)
    row = model._default_manager.filter(pk=pk).values(*[f.attname for f in fields]).first()
    if row is None:
        return None
    return {f.name: _plain(row[f.attname]) for f in fields}


def _hide(changes: dict[str, Any]) -> dict[str, Any]:
    return {name: [HIDDEN, HIDDEN] if name in SECRET else pair for name, pair in changes.items()}


def _record(instance: models.Model, action: str, changes: dict[str, Any]) -> None:
    request = current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    actor = user if user is not None and user.is_authenticated else None
    AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        source=f"{request.method} {request.path}"[:300] if request is not None else "command",
    )


def _pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    stack = getattr(_before, "stack", None)
    if stack is None:
        stack = _before.stack = {}
    key = (sender._meta.label, instance.pk)
    stack[key] = _stored(sender, instance.pk) if instance.pk is not None else None


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw") or instance.pk is None:  # a fixture load, or no row at all
        return
    stack = getattr(_before, "stack", {})
    before = stack.pop((sender._meta.label, None if created else instance.pk), None)
    if created:
        stack.pop((sender._meta.label, instance.pk), None)
    after = _snapshot(instance)
    if created or before is None:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})}
        _record(instance, AuditEntry.Action.CREATE, _hide(changes))
        return
    update_fields = kwargs.get("update_fields")
    changes = {
        name: [before[name], value]
        for name, value in after.items()
        if before.get(name) != value and (update_fields is None or name in update_fields)
    }
    if changes:
        _record(instance, AuditEntry.Action.UPDATE, _hide(changes))


def _pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    stack = getattr(_before, "deleting", None)
    if stack is None:
        stack = _before.deleting = {}
    stack[(sender._meta.label, instance.pk)] = _snapshot(instance)


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    before = getattr(_before, "deleting", {}).pop((sender._meta.label, instance.pk), None)
    changes = {k: [v, None] for k, v in (before or {}).items() if v not in (None, "", [], {})}
    _record(instance, AuditEntry.Action.DELETE, _hide(changes))


def _m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    field = _m2m_field_name(type(instance), sender)
    if action == "pre_clear":
        manager = getattr(instance, field)
        _before.clearing = sorted(str(o) for o in manager.all())
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if action == "post_clear":
        names = getattr(_before, "clearing", [])
        key = "removed"
    else:
        if not pk_set:
            return
        names = sorted(str(o) for o in model._default_manager.filter(pk__in=pk_set))
        key = "added" if action == "post_add" else "removed"
    if names:
        _record(instance, AuditEntry.Action.UPDATE, {field: {key: names}})


def _m2m_field_name(model: type[models.Model], through: type[models.Model]) -> str:
    """The name, on `model`'s side, of the many-to-many relation kept in `through`."""
    for field in model._meta.get_fields():
        if not field.many_to_many:
            continue
        if isinstance(field, models.ManyToManyField):
            if field.remote_field.through is through:
                return field.name
        elif getattr(field, "through", None) is through:
            return str(field.get_accessor_name())  # type: ignore[union-attr]
    return str(through._meta.model_name)


def connect() -> None:
    """Connect the recorder to every audited model (AppConfig.ready)."""
    for label in AUDITED:
        model = apps.get_model(label)
        uid = f"audit:{label}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"{uid}:{field.name}")
