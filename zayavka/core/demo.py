"""Demo data that reads like the source documents: a provider, its clients, their requests.

Tickets are filed through the real intake pipeline, so the demo shows what the
channels really produce.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from zayavka.accounts.models import (
    Agent,
    Channel,
    ChannelPolicy,
    Contact,
    ContactAddress,
    ContentKind,
    Contract,
    Organization,
    OrganizationIdentifier,
    RoutingRule,
    Team,
    User,
)
from zayavka.kb.actions.importing import load_articles
from zayavka.sla.models import Calendar, SlaPlan, SlaTarget
from zayavka.tickets import catalog
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.assignment import take_ticket
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.inbound import InboundAttachment, InboundMessage, Sender
from zayavka.tickets.models import Category, CategoryField, Priority, StatusCategory, Ticket

DEMO_LOGINS = [
    ("head of the helpdesk (admin)", "admin", "zayavka-admin"),
    ("agent", "ivanova", "zayavka-demo"),
    ("agent, in English", "sidorov", "zayavka-demo"),
    ("client (portal), Romashka's manager", "m.kuznetsova@romashka.ru", "zayavka-client"),
]

SUPPORT_DOMAIN = "zayavka.localhost"


def demo_needed() -> bool:
    return not User.objects.exists() and not Organization.objects.exists()


@transaction.atomic
def load_demo() -> None:
    teams = _staff()
    _catalog(teams)
    _routing(teams)
    _clients()
    _tickets()
    # The knowledge base's articles (zayavka/kb/demo/articles/), published, written by
    # the demo's agent.
    load_articles(by=User.objects.get(username="ivanova"))


def _staff() -> dict[str, Team]:
    line1 = Team.objects.create(
        name="Первая линия",
        email=f"line1@{SUPPORT_DOMAIN}",
        assignment=Team.Assignment.ROUND_ROBIN,
    )
    web = Team.objects.create(
        name="Веб-разработка",
        email=f"web@{SUPPORT_DOMAIN}",
        assignment=Team.Assignment.LEAST_LOADED,
    )
    # Infrastructure works its queue by hand: its engineers take tickets themselves.
    infra = Team.objects.create(name="Инфраструктура", email=f"infra@{SUPPORT_DOMAIN}")
    admin = User.objects.create_superuser(
        "admin",
        f"head@{SUPPORT_DOMAIN}",
        "zayavka-admin",
        first_name="Сергей",
        last_name="Орлов",
        language="ru",
    )
    head = Agent.objects.create(user=admin, is_head=True, phone="+7 812 363-17-87")
    head.teams.set([line1, web, infra])
    ivanova = User.objects.create_user(
        "ivanova",
        f"ivanova@{SUPPORT_DOMAIN}",
        "zayavka-demo",
        first_name="Анна",
        last_name="Иванова",
        is_staff=True,
        language="ru",
    )
    agent = Agent.objects.create(user=ivanova, skills=["1С", "почта", "сайты"])
    agent.teams.set([line1, web])
    petrov = User.objects.create_user(
        "sidorov",
        f"sidorov@{SUPPORT_DOMAIN}",
        "zayavka-demo",
        first_name="Павел",
        last_name="Сидоров",
        is_staff=True,
        language="en",
    )
    Agent.objects.create(user=petrov, skills=["сети", "серверы"]).teams.set([infra])
    line1.lead = admin
    line1.save(update_fields=["lead"])
    return {"line1": line1, "web": web, "infra": infra}


def _field(
    category: Category,
    position: int,
    key: str,
    ru: str,
    en: str,
    *,
    required: bool = False,
    kind: str = "text",
    hint_ru: str = "",
    hint_en: str = "",
    choices: list[dict[str, str]] | None = None,
) -> None:
    CategoryField.objects.create(
        category=category,
        key=key,
        label_ru=ru,
        label_en=en,
        required=required,
        kind=kind,
        hint_ru=hint_ru,
        hint_en=hint_en,
        choices=choices or [],
        position=position,
    )


def _catalog(teams: dict[str, Team]) -> None:
    site = Category.objects.create(
        slug="site-down",
        name_ru="Не работает сайт",
        name_en="Site is not working",
        team=teams["web"],
        position=1,
        hint_ru="Укажите адрес сайта, браузер и текст ошибки, которую вы видите.",
        hint_en="Give the site address, your browser and the exact error you see.",
    )
    _field(site, 1, "site_domain", "Адрес сайта", "Site address", required=True)
    _field(site, 2, "browser", "Браузер", "Browser")
    _field(site, 3, "error_text", "Текст ошибки", "Error text", kind="textarea")
    mail = Category.objects.create(
        slug="mail",
        name_ru="Проблема с почтой",
        name_en="Mail problem",
        team=teams["infra"],
        position=2,
        hint_ru="Укажите почтовую программу, что не работает — отправка или получение, "
        "и текст ошибки.",
        hint_en="Give your mail program, whether sending or receiving fails, and the error.",
    )
    _field(
        mail,
        1,
        "mail_client",
        "Почтовая программа",
        "Mail program",
        hint_ru="Outlook, Thunderbird, веб-интерфейс…",
        hint_en="Outlook, Thunderbird, web…",
    )
    _field(
        mail,
        2,
        "mail_direction",
        "Что не работает",
        "What fails",
        kind="choice",
        choices=[
            {"value": "sending", "ru": "отправка", "en": "sending"},
            {"value": "receiving", "ru": "получение", "en": "receiving"},
            {"value": "both", "ru": "и то, и другое", "en": "both"},
        ],
    )
    _field(mail, 3, "error_text", "Текст ошибки", "Error text", required=True, kind="textarea")
    app = Category.objects.create(
        slug="app-error",
        name_ru="Ошибка в программе",
        name_en="Program error",
        team=teams["line1"],
        position=3,
        hint_ru="Укажите продукт и точную версию, версию ОС, что вы делали перед ошибкой "
        "и как её воспроизвести.",
        hint_en="Give the product and exact version, the OS version, what you did before the "
        "error and how to reproduce it.",
    )
    _field(app, 1, "product", "Продукт", "Product", required=True)
    _field(app, 2, "product_version", "Точная версия", "Exact version", required=True)
    _field(app, 3, "os_version", "Версия ОС", "OS version", required=True)
    _field(
        app, 4, "steps_before", "Что делали перед ошибкой", "What you did before", kind="textarea"
    )
    _field(app, 5, "steps_to_reproduce", "Как воспроизвести", "Steps to reproduce", kind="textarea")
    _field(app, 6, "error_text", "Текст ошибки", "Error text", kind="textarea")
    remote = Category.objects.create(
        slug="remote",
        name_ru="Удалённое подключение",
        name_en="Remote connection",
        team=teams["line1"],
        position=4,
        hint_ru="Запустите AnyDesk и сообщите его ID.",
        hint_en="Start AnyDesk and give its ID.",
    )
    _field(remote, 1, "anydesk_id", "AnyDesk ID", "AnyDesk ID", required=True)
    Category.objects.create(
        slug="other", name_ru="Другое", name_en="Other", team=teams["line1"], position=9
    )


def _routing(teams: dict[str, Team]) -> None:
    """Rules first, by position; a ticket no rule takes goes to its category's team."""
    RoutingRule.objects.create(
        name="1С и бухгалтерия — первая линия, специалист по 1С",
        position=10,
        keywords=["1С", "1C", "бухгалтери*"],
        team=teams["line1"],
        required_skills=["1С"],
    )
    RoutingRule.objects.create(
        name="Не работает сайт — веб-разработка",
        position=20,
        category=Category.objects.get(slug="site-down"),
        team=teams["web"],
        required_skills=["сайты"],
    )


def _plan(name: str, targets: dict[str, tuple[int, int, bool]]) -> SlaPlan:
    plan = SlaPlan.objects.create(name=name)
    for slug, (first, resolve, business) in targets.items():
        SlaTarget.objects.create(
            plan=plan,
            priority=Priority.objects.get(slug=slug),
            first_response_minutes=first,
            resolution_minutes=resolve,
            business_hours=business,
        )
    return plan


def _contact(
    org: Organization | None,
    name: str,
    email: str,
    phone: str = "",
    role: str = Contact.Role.REQUESTER,
) -> Contact:
    contact = Contact.objects.create(name=name, organization=org, role=role)
    ContactAddress.objects.create(contact=contact, kind="email", value=email, is_primary=True)
    if phone:
        ContactAddress.objects.create(contact=contact, kind="phone", value=phone)
    return contact


def _clients() -> None:
    workdays = Calendar.objects.get(name="ru-workdays-9-19")
    always = Calendar.objects.get(name="24x7")
    standard = _plan(
        "Стандарт (рабочие часы)",
        {
            "low": (8 * 60, 40 * 60, True),
            "normal": (4 * 60, 16 * 60, True),
            "high": (60, 8 * 60, True),
            "urgent": (15, 120, False),
        },
    )
    premium = _plan(
        "Круглосуточный",
        {
            "low": (4 * 60, 24 * 60, True),
            "normal": (60, 8 * 60, True),
            "high": (30, 4 * 60, True),
            "urgent": (15, 120, True),
        },
    )
    romashka = Organization.objects.create(name="ООО «Ромашка»", kind=Organization.Kind.CLIENT)
    for kind, value in (
        ("email_domain", "romashka.ru"),
        ("site_domain", "romashka-shop.ru"),
        ("account_number", "СЧ-2024-117"),
    ):
        OrganizationIdentifier.objects.create(organization=romashka, kind=kind, value=value)
    contract = Contract.objects.create(
        organization=romashka,
        number="Д-2024/117",
        title="Абонентское обслуживание",
        sla_plan=standard,
        calendar=workdays,
    )
    ChannelPolicy.objects.create(
        contract=contract, channel=Channel.WEB, max_attachment_bytes=300 * 1024
    )
    ChannelPolicy.objects.create(
        contract=contract,
        channel=Channel.TELEGRAM,
        max_attachment_bytes=0,
        allowed_kinds=[ContentKind.TEXT],
    )
    maria = _contact(
        romashka,
        "Мария Кузнецова",
        "m.kuznetsova@romashka.ru",
        "+7 (812) 555-01-10",
        role=Contact.Role.MANAGER,
    )
    # A client's portal account: she signs in with her email and sees Romashka's tickets.
    maria.user = User.objects.create_user(
        "m.kuznetsova@romashka.ru",
        "m.kuznetsova@romashka.ru",
        "zayavka-client",
        first_name="Мария",
        last_name="Кузнецова",
        language="ru",
    )
    maria.save(update_fields=["user"])
    smirnov = _contact(romashka, "Олег Смирнов", "o.smirnov@romashka.ru", "8 921 555-01-11")
    ContactAddress.objects.create(contact=smirnov, kind="telegram", value="100200300")
    veter = Organization.objects.create(name="АО «Северный ветер»", kind=Organization.Kind.CLIENT)
    OrganizationIdentifier.objects.create(
        organization=veter, kind="email_domain", value="sever-veter.ru"
    )
    Contract.objects.create(
        organization=veter,
        number="КС-24/7-005",
        title="Поддержка 24/7",
        sla_plan=premium,
        calendar=always,
        is_24x7=True,
    )
    _contact(veter, "Андрей Волков", "volkov@sever-veter.ru", "+7 495 555-02-20")
    Organization.objects.create(name="ИП Петров", kind=Organization.Kind.PROSPECT)


DEMO_REQUESTS = [
    # channel, sender email, name, subject, text, category, urgency, fields, target status
    (
        "email",
        "o.smirnov@romashka.ru",
        "Олег Смирнов",
        "Не открывается интернет-магазин",
        "Добрый день! С утра romashka-shop.ru отдаёт ошибку 502 Bad Gateway.",
        "site-down",
        "high",
        {"site_domain": "romashka-shop.ru", "browser": "Яндекс Браузер"},
        "new",
    ),
    (
        "web",
        "m.kuznetsova@romashka.ru",
        "Мария Кузнецова",
        "Не уходит почта из Outlook",
        "При отправке письма Outlook пишет: 0x800CCC0F. Получение работает.",
        "mail",
        "normal",
        {
            "mail_client": "Outlook 2019",
            "mail_direction": "sending",
            "error_text": "0x800CCC0F",
        },
        "open",
    ),
    (
        "phone",
        "volkov@sever-veter.ru",
        "Андрей Волков",
        "Упал сервер 1С",
        "Звонок: сервер 1С не отвечает, бухгалтерия стоит. Договор КС-24/7-005.",
        "app-error",
        "critical",
        {
            "product": "1С:Бухгалтерия",
            "product_version": "3.0.150.23",
            "os_version": "Windows Server 2019",
        },
        "open",
    ),
    (
        "email",
        "petrov@mail.ru",
        "Иван Петров",
        "Сколько стоит поддержка сайта?",
        "Здравствуйте, хотим подключить поддержку для нашего сайта petrov-shop.ru.",
        "other",
        "low",
        {},
        "pending",
    ),
    (
        "telegram",
        "",
        "Олег Смирнов",
        "Нужно удалённое подключение",
        "Подключитесь, пожалуйста, к моему компьютеру.",
        "remote",
        "normal",
        {"anydesk_id": "123 456 789"},
        "resolved",
    ),
    (
        "email",
        "o.smirnov@romashka.ru",
        "Олег Смирнов",
        "Сбросить пароль в 1С",
        "Прошу сбросить пароль пользователю Бухгалтер2.",
        "app-error",
        "normal",
        {"product": "1С:Бухгалтерия", "product_version": "3.0.150.23", "os_version": "Windows 11"},
        "closed",
    ),
]


def _tickets() -> None:
    ivanova = User.objects.get(username="ivanova")
    start = timezone.now() - timedelta(days=2)
    for i, (channel, email, name, subject, text, category, urgency, fields, target) in enumerate(
        DEMO_REQUESTS
    ):
        attachments: tuple[InboundAttachment, ...] = ()
        if i == 0:
            attachments = (
                InboundAttachment(
                    filename="ошибка-502.txt",
                    content_type="text/plain",
                    content=b"502 Bad Gateway\nnginx/1.24.0\n",
                ),
            )
        result = intake.receive(
            InboundMessage(
                channel=channel,
                external_id=f"demo-{i}",
                raw=f"{subject}\n\n{text}".encode(),
                sender=Sender(
                    email=email, name=name, telegram_id="100200300" if channel == "telegram" else ""
                ),
                subject=subject,
                text=text,
                category=category,
                urgency=urgency,
                fields=fields,
                attachments=attachments,
                received_at=start + timedelta(hours=3 * i),
            )
        )
        assert result.ticket_id is not None, result
        ticket = Ticket.objects.select_related("status", "team", "assignee").get(
            pk=result.ticket_id
        )
        if target == "new":
            continue
        # Routing has assigned most tickets; Ivanova takes the rest from the queue.
        if ticket.assignee is None:
            take_ticket(ticket, ivanova)
        worker = ticket.assignee or ivanova
        change_status(ticket, catalog.status_for(StatusCategory.OPEN), actor_user=worker)
        for category_name in {
            "pending": ["pending"],
            "resolved": ["resolved"],
            "closed": ["resolved", "closed"],
        }.get(target, []):
            change_status(ticket, catalog.status_for(category_name), actor_user=worker)
