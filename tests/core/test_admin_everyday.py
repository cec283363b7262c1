"""The admin as an administrator meets it: the everyday settings on one guided page,
support teams not confused with permission groups, internal tables read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import Client
from django.utils import translation

from tests.factories import World
from zayavka.accounts.models import Team, User
from zayavka.core.models import WorkerHeartbeat
from zayavka.tickets.models import Outbox, RawInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client(headers={"Accept-Language": "ru"})
    client.force_login(User.objects.create_superuser("root", "root@desk.example", "x"))
    return client


def test_the_index_leads_to_the_everyday_settings_each_with_what_it_decides(
    admin_client: Client,
) -> None:
    index = admin_client.get("/admin/").content.decode()
    assert 'href="/admin/everyday/"' in index
    page = admin_client.get("/admin/everyday/")
    assert page.status_code == 200
    html = page.content.decode()
    for title in (
        "Договоры",
        "Планы SLA",
        "Календари",
        "Категории и их поля",
        "Маршрутизация",
        "Группы поддержки",
        "Шаблоны ответов",
    ):
        assert title in html, title
    links = [part.split('"')[0] for part in html.split('<h2><a href="')[1:]]
    assert len(links) == 7
    for link in links:
        assert admin_client.get(link).status_code == 200, link


def test_the_everyday_page_is_for_staff_only(world: World) -> None:
    assert Client().get("/admin/everyday/").status_code == 302


def test_support_teams_and_permission_groups_have_different_names(
    admin_client: Client,
) -> None:
    index = admin_client.get("/admin/").content.decode()
    assert "Группы поддержки" in index
    with translation.override("ru"):
        assert str(Team._meta.verbose_name_plural) != str(Group._meta.verbose_name_plural)


@pytest.mark.parametrize("model", [RawInput, Outbox, WorkerHeartbeat])
def test_internal_tables_are_read_only(admin_client: Client, model: type[Model]) -> None:
    label = f"{model._meta.app_label}/{model._meta.model_name}"
    assert admin_client.get(f"/admin/{label}/").status_code == 200
    assert admin_client.get(f"/admin/{label}/add/").status_code == 403
    listing = admin_client.get(f"/admin/{label}/").content.decode()
    assert f'href="/admin/{label}/add/"' not in listing
