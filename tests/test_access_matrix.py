"""The access matrix, generated from the URL configuration: every URL pattern of the
desk is requested as each role — anonymous, customer, company manager, agent, agent of a
restricted team, administrator — with its own object and with someone else's, and the
outcome must be the one the table below expects. A URL pattern the table does not name
fails the test: adding a view means deciding here who may open it.

One world and one signed-in client per role serve every request (GET; a view that takes
only POST answers 405 once access is granted, so 405 means "let through"). The admin's
URLs follow one rule instead of rows: staff only. Files are never served from the
storage directly: /media/ and the storage path answer 404 to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.personas import Customers, file_ticket, make_agent
from zayavka.accounts.models import Team, User
from zayavka.kb.actions.articles import ArticleText, create_article
from zayavka.kb.actions.files import attach_files
from zayavka.kb.models import Article, KbCategory
from zayavka.portal.models import JoinRequest
from zayavka.tickets import tokens
from zayavka.tickets.actions.messages import add_note
from zayavka.tickets.models import Attachment, Message, Ticket
from zayavka.tickets.uploads import Upload

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "customer", "manager", "agent", "restricted", "admin")
FORGED = "forged-token"

# What each role gets, in the order of ROLES: anonymous, customer (Oleg), company
# manager (Maria), agent (Anna, web team), restricted-team agent (Vera, security team),
# administrator (root, superuser). Two strings: with the role's own object (own ticket,
# file, join request, a valid link), then with someone else's (a ticket of another
# company or of a restricted team, an internal note's file, a forged link); one string
# when the URL takes no object or both give the same. "login": sent to sign in; "redirect":
# elsewhere; "post:": the view takes only POST, and an empty POST answered this.
# Own and foreign, per role: tickets — Oleg: his own / Severny Veter's; Maria: Irina's
# (her company's) / Severny Veter's; Anna: Oleg's / the security team's; Vera: the
# security team's / Severny Veter's; root: the security team's / Severny Veter's.
EXPECTED: dict[str, tuple[str, ...]] = {
    "healthz": ("503 503 503 503 503 503",),
    "set_language": ("redirect redirect redirect redirect redirect redirect",),
    "workspace:login": ("200 200 200 200 200 200",),
    "workspace:logout": ("405 405 405 405 405 405",),
    "workspace:home": ("login 403 403 redirect redirect redirect",),
    "workspace:queue": ("login 403 403 200 200 200", "login 403 403 404 404 404"),
    "workspace:bulk": ("login 403 403 post:redirect post:redirect post:redirect",),
    "workspace:counts": ("login 403 403 200 200 200",),
    "workspace:ticket": ("login 403 403 200 200 200", "login 403 403 404 200 200"),
    "workspace:reply": (
        "login 403 403 post:400 post:400 post:400",
        "login 403 403 post:404 post:400 post:400",
    ),
    "workspace:note": (
        "login 403 403 post:400 post:400 post:400",
        "login 403 403 post:404 post:400 post:400",
    ),
    "workspace:status": (
        "login 403 403 post:400 post:400 post:400",
        "login 403 403 post:404 post:400 post:400",
    ),
    "workspace:priority": (
        "login 403 403 post:400 post:400 post:400",
        "login 403 403 post:404 post:400 post:400",
    ),
    "workspace:category": (
        "login 403 403 post:redirect post:redirect post:redirect",
        "login 403 403 post:404 post:redirect post:redirect",
    ),
    "workspace:assign": (
        "login 403 403 post:redirect post:redirect post:400",
        "login 403 403 post:404 post:redirect post:400",
    ),
    "workspace:take": (
        "login 403 403 post:redirect post:redirect post:redirect",
        "login 403 403 post:404 post:redirect post:redirect",
    ),
    "workspace:merge": (
        "login 403 403 post:redirect post:redirect post:redirect",
        "login 403 403 post:404 post:redirect post:redirect",
    ),
    "workspace:link": (
        "login 403 403 post:redirect post:redirect post:redirect",
        "login 403 403 post:404 post:redirect post:redirect",
    ),
    "workspace:unlink": ("login 403 403 post:404 post:redirect post:redirect",),
    # The REST API answers a token, never a session: every role signed in through the
    # site is 401 there, so a page can never be made to call it on a user's behalf.
    "api-v1:api-root": ("404 404 404 404 404 404",),
    "api-v1:openapi-json": ("200 200 200 200 200 200",),
    "api-v1:openapi-view": ("200 200 200 200 200 200",),
    "api-v1:create_contact": ("401 401 401 401 401 401",),
    "api-v1:create_message": ("401 401 401 401 401 401",),
    "api-v1:create_ticket": ("401 401 401 401 401 401",),
    "api-v1:get_category": ("401 401 401 401 401 401",),
    "api-v1:get_contact": ("401 401 401 401 401 401",),
    "api-v1:get_organization": ("401 401 401 401 401 401",),
    "api-v1:get_ticket": ("401 401 401 401 401 401",),
    "api-v1:list_categories": ("401 401 401 401 401 401",),
    "api-v1:list_contacts": ("401 401 401 401 401 401",),
    "api-v1:list_messages": ("401 401 401 401 401 401",),
    "api-v1:list_organizations": ("401 401 401 401 401 401",),
    "api-v1:list_priorities": ("401 401 401 401 401 401",),
    "api-v1:list_statuses": ("401 401 401 401 401 401",),
    "api-v1:list_tickets": ("401 401 401 401 401 401",),
    "api-v1:update_ticket": ("401 401 401 401 401 401",),
    # An agent's own API tokens, in the workspace.
    "api-tokens": ("login 403 403 200 200 200",),
    "api-token-revoke": ("login 403 403 post:404 post:404 post:404",),
    "workspace:canned": ("login 403 403 200 200 200", "login 403 403 404 200 200"),
    "workspace:category-fields": ("login 403 403 200 200 200", "login 403 403 404 200 200"),
    "workspace:presence": (
        "login 403 403 post:200 post:200 post:200",
        "login 403 403 post:404 post:200 post:200",
    ),
    "workspace:abusive": (
        "login 403 403 post:redirect post:redirect post:redirect",
        "login 403 403 post:404 post:redirect post:redirect",
    ),
    "workspace:close-silently": (
        "login 403 403 post:redirect post:redirect post:redirect",
        "login 403 403 post:404 post:redirect post:redirect",
    ),
    "workspace:phone": ("login 403 403 200 200 200",),
    "workspace:phone-callers": ("login 403 403 200 200 200",),
    "workspace:phone-fields": ("login 403 403 200 200 200",),
    "workspace:attachment": ("login 403 403 200 200 200", "login 403 403 404 200 200"),
    "workspace:joins": ("login 403 403 200 200 200",),
    "workspace:two-factor": ("login 403 403 200 200 200",),
    "workspace:join-decide": ("login 403 403 post:400 post:400 post:400",),
    "portal:rate": ("200 200 200 200 200 200", "404 404 404 404 404 404"),
    "portal:new": ("200 200 200 200 200 200",),
    "portal:thanks": ("200 200 200 200 200 200",),
    "portal:signup": ("200 redirect redirect redirect redirect redirect",),
    "portal:confirm_resend": ("200 200 200 200 200 200",),
    "portal:confirm": ("404 404 404 404 404 404",),
    "portal:login": ("200 200 200 200 200 200",),
    "portal:logout": ("405 405 405 405 405 405",),
    "portal:password_reset": ("200 200 200 200 200 200",),
    "portal:password_reset_done": ("200 200 200 200 200 200",),
    "portal:password_reset_confirm": (
        "redirect redirect redirect redirect redirect redirect",
        "200 200 200 200 200 200",
    ),
    "portal:password_reset_complete": ("200 200 200 200 200 200",),
    "portal:profile": ("login 200 200 404 404 404",),
    "portal:password_change": ("login 200 200 200 200 200",),
    "portal:password_change_done": ("login 200 200 200 200 200",),
    "portal:home": ("login 200 200 404 404 404",),
    "portal:ticket": ("login 200 200 404 404 404", "login 404 404 404 404 404"),
    "portal:reply": (
        "login post:400 post:400 post:404 post:404 post:404",
        "login post:404 post:404 post:404 post:404 post:404",
    ),
    "portal:solve": (
        "login post:redirect post:redirect post:404 post:404 post:404",
        "login post:404 post:404 post:404 post:404 post:404",
    ),
    "portal:reopen": (
        "login post:redirect post:redirect post:404 post:404 post:404",
        "login post:404 post:404 post:404 post:404 post:404",
    ),
    "portal:rate-here": (
        "login post:redirect post:redirect post:404 post:404 post:404",
        "login post:404 post:404 post:404 post:404 post:404",
    ),
    "portal:attachment": ("login 200 200 404 404 404", "login 404 404 404 404 404"),
    "portal:open": ("200 200 200 200 200 200", "404 404 404 404 404 404"),
    "portal:join": (
        "login post:404 post:redirect post:404 post:404 post:404",
        "login post:404 post:404 post:404 post:404 post:404",
    ),
    "login": ("200 200 200 200 200 200",),
    "login-code": ("login login login login login login",),
    "logout": ("405 405 405 405 405 405",),
    "home": ("200 200 200 redirect redirect redirect",),
    "<favicon.ico>": ("redirect redirect redirect redirect redirect redirect",),
    "admin-everyday": ("login login login 403 403 200",),
    "telegram:webhook": ("post:404 post:404 post:404 post:404 post:404 post:404",),
    "portal:signup_done": ("redirect redirect redirect redirect redirect redirect",),
    # The knowledge base. Own: a public article, its file, its section; foreign: an
    # internal article and its file (agents only), a section that is not there.
    "portal:kb": ("200 200 200 200 200 200",),
    "portal:kb-suggest": ("200 200 200 200 200 200",),
    "portal:kb-category": ("200 200 200 200 200 200", "404 404 404 404 404 404"),
    "portal:kb-article": ("200 200 200 200 200 200", "404 404 404 200 200 200"),
    "portal:kb-file": ("200 200 200 200 200 200", "404 404 404 200 200 200"),
    # An empty vote is no vote (404); an internal article takes no votes at all.
    "portal:kb-feedback": ("post:404 post:404 post:404 post:404 post:404 post:404",),
    "workspace:update": (
        "login 403 403 post:400 post:400 post:400",
        "login 403 403 post:404 post:400 post:400",
    ),
    "workspace:insert-article": ("login 403 403 200 200 200", "login 403 403 404 200 200"),
    "workspace:kb": ("login 403 403 200 200 200",),
    "workspace:kb-new": ("login 403 403 200 200 200",),
    "workspace:kb-failing": ("login 403 403 200 200 200",),
    "workspace:kb-edit": ("login 403 403 200 200 200",),
    "workspace:kb-version": ("login 403 403 200 200 200",),
    "workspace:kb-state": ("login 403 403 post:redirect post:redirect post:redirect",),
    "workspace:kb-upload": ("login 403 403 post:redirect post:redirect post:redirect",),
    "workspace:kb-remove-file": ("login 403 403 post:redirect post:redirect post:redirect",),
}
# The admin's own pages that any staff member may open (the rest needs a permission).
ADMIN_FOR_ALL_STAFF = {
    "admin:index",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
}


@dataclass
class World:
    clients: dict[str, Client]
    own_ticket: dict[str, Ticket]
    foreign_ticket: dict[str, Ticket]
    own_file: dict[str, Attachment]
    foreign_file: dict[str, Attachment]
    own_join: dict[str, JoinRequest]
    foreign_join: dict[str, JoinRequest]
    oleg: User
    public_article: Article
    internal_article: Article


def build(customers: Customers) -> World:
    """Oleg (customer) and Maria (Romashka's manager) on the portal; Anna (web team),
    Vera (the restricted security team) and root at the desk; a secret ticket of the
    security team; join requests to Romashka and to Severny Veter."""
    c = customers
    w = c.world
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    vera = make_agent("vera", security)
    root = User.objects.create_superuser("root", "root@desk.example", "x")
    secret = file_ticket(w, "Утечка пароля бухгалтерии", team=security)
    add_note(secret, vera, "Журнал входов", [Upload("журнал.txt", "text/plain", b"log")])
    secret_file = secret.attachments.get()
    other_file = Attachment.objects.filter(ticket=c.ticket_a).exclude(pk=c.public_file.pk).first()
    assert other_file is not None
    to_romashka = JoinRequest.objects.create(
        contact=c.irina_contact, organization=w.romashka, via="email_domain"
    )
    to_veter = JoinRequest.objects.create(
        contact=c.irina_contact, organization=w.veter, via="email_domain"
    )
    # The knowledge base: a public article and an internal one, each with a file.
    section = KbCategory.objects.create(slug="email", name_ru="Почта", name_en="Email")
    public_article, internal_article = (
        create_article(
            ArticleText(title_ru=title, body_ru="Текст", category=section, visibility=visibility),
            by=c.anna,
            publish=True,
        )
        for title, visibility in (
            ("Как настроить почту", Article.Visibility.PUBLIC),
            ("Пароль от сервера почты", Article.Visibility.INTERNAL),
        )
    )
    for article in (public_article, internal_article):
        attach_files(article, [Upload("памятка.txt", "text/plain", b"kb")], by=c.anna)
    # Irina has an authenticator (the admin lists devices); she plays no role here.
    TOTPDevice.objects.create(user=c.irina, name="phone", confirmed=True)
    StaticDevice.objects.create(user=c.irina, name="recovery codes", confirmed=True)
    users = {
        "customer": c.oleg,
        "manager": c.maria,
        "agent": c.anna,
        "restricted": vera,
        "admin": root,
    }
    clients = {"anonymous": Client(headers={"Accept-Language": "en"})}
    for role, user in users.items():
        clients[role] = Client(headers={"Accept-Language": "en"})
        clients[role].force_login(user)
    portal_own = {"customer": c.ticket_a, "manager": c.ticket_b}
    desk_own = {"agent": c.ticket_a, "restricted": secret, "admin": secret}
    return World(
        clients=clients,
        own_ticket={"anonymous": c.ticket_a, **portal_own, **desk_own},
        foreign_ticket={
            "anonymous": c.ticket_other,
            "customer": c.ticket_other,
            "manager": c.ticket_other,
            "agent": secret,
            "restricted": c.ticket_other,
            "admin": c.ticket_other,
        },
        own_file=dict.fromkeys(ROLES, c.public_file) | {"restricted": secret_file},
        foreign_file=dict.fromkeys(ROLES, secret_file)
        | {"customer": c.note_file, "manager": c.note_file, "restricted": other_file},
        own_join=dict.fromkeys(ROLES, to_romashka),
        foreign_join=dict.fromkeys(ROLES, to_veter),
        oleg=c.oleg,
        public_article=public_article,
        internal_article=internal_article,
    )


# --- Arguments of each pattern ---------------------------------------------------------


def ticket(w: World, role: str, own: bool) -> Ticket:
    return (w.own_ticket if own else w.foreign_ticket)[role]


def message_of(t: Ticket) -> int:
    return Message.objects.filter(ticket=t).order_by("pk").values_list("pk", flat=True)[0]


Args = Callable[[World, str, bool], dict[str, Any]]

ARGS: dict[str, Args] = {
    "number": lambda w, r, own: {"number": ticket(w, r, own).number},
    "slug": lambda w, r, own: {"slug": "mine" if own else "no-such-queue"},
    "other": lambda w, r, own: {"other": ticket(w, r, not own).number},
}


def kb_kwargs(pattern: str, w: World, own: bool) -> dict[str, Any]:
    """The knowledge base's own: a public article (its file, version 1, its section);
    foreign: an internal article and its file, a section that is not there."""
    article = w.public_article if own else w.internal_article
    file = article.files.get()
    found: dict[str, Any] = {}
    if "<slug:slug>" in pattern:
        if "kb/c/" in pattern:
            found["slug"] = article.category.slug if own and article.category else "no-such"
        else:
            found["slug"] = article.slug
    if "kb/files/<int:pk>" in pattern:
        found |= {"pk": file.pk, "name": file.filename}
    elif "<int:pk>" in pattern:
        found["pk"] = article.pk
    if "<int:file_pk>" in pattern:
        found["file_pk"] = file.pk
    if "<int:number>" in pattern:
        found["number"] = 1
    return found


def kwargs_for(name: str, pattern: str, w: World, role: str, own: bool) -> dict[str, Any]:
    if name.startswith(("portal:kb", "workspace:kb")):
        return kb_kwargs(pattern, w, own)
    if name.startswith("api-v1:"):
        # The API's paths name their parameters bare; without a token any value is 401.
        values: dict[str, Any] = {
            "number": ticket(w, role, own).number,
            "contact_id": 1,
            "organization_id": 1,
        }
        values["slug"] = "mail"
        return {k: v for k, v in values.items() if f"<{k}>" in pattern}
    found: dict[str, Any] = {}
    for arg, make in ARGS.items():
        if f":{arg}>" in pattern:
            found |= make(w, role, own)
    if "<int:pk>" in pattern:
        if "/m/" in pattern:
            found["pk"] = message_of(ticket(w, role, own))
        elif "join" in pattern:
            found["pk"] = (w.own_join if own else w.foreign_join)[role].pk
        else:
            found["pk"] = (w.own_file if own else w.foreign_file)[role].pk
    if "<str:token>" in pattern:
        t = ticket(w, role, True)
        if not own:
            found["token"] = FORGED
        elif name == "portal:rate":
            found["token"] = tokens.rating_token(t.pk, timezone.now())
        elif name == "portal:open":
            found["token"] = tokens.ticket_token(t.pk)
        else:
            found["token"] = FORGED
    if "<uidb64>" in pattern:
        found["uidb64"] = urlsafe_base64_encode(force_bytes(w.oleg.pk))
        found["token"] = default_token_generator.make_token(w.oleg) if own else "bad-token"
    return found


# --- Walking the URL configuration ------------------------------------------------------


def patterns() -> Iterator[tuple[str, str]]:
    """(name with namespaces, route) of every URL pattern, the included ones too."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                inner = ":".join(n for n in (namespace, item.namespace or "") if n)
                yield from walk(item, prefix + str(item.pattern), inner)
            else:
                assert isinstance(item, URLPattern)
                route = prefix + str(item.pattern)
                # An unnamed pattern (the admin's catch-all) goes by its route.
                name = ":".join(n for n in (namespace, item.name or f"<{route}>") if n)
                yield name, route

    yield from walk(get_resolver(), "", "")


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response["Location"]
        if "/login/" in location.split("?")[0]:
            return "login"
        return "redirect"
    if status == 204 and response.get("HX-Redirect"):
        return "login" if "/login/" in response["HX-Redirect"] else "redirect"
    return str(status)


def request(client: Client, url: str) -> str:
    """GET the URL; a view that takes only POST (405) is asked again with an empty POST,
    so that its own access check answers (a form without its fields changes nothing)."""
    # Each request in a transaction rolled back afterwards: no answer depends on what an
    # earlier request (a take, a close) changed.
    with transaction.atomic():
        answer = outcome(closed(client.get(url)))
        if answer == "405" and not url.rstrip("/").endswith("logout"):  # would sign out
            answer = "post:" + outcome(closed(client.post(url, {})))
        transaction.set_rollback(True)
    return answer


def closed(response: Any) -> Any:
    """A file download holds its file open until read to the end (the test client then
    closes it, as a server would). Closing it here instead would fire request_finished
    again, which drops the test's PostgreSQL connection."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def desk_patterns() -> list[tuple[str, str]]:
    return [(n, r) for n, r in patterns() if not n.startswith("admin:")]


def test_every_url_pattern_is_in_the_table() -> None:
    """A new view must be given its row: who may open it, with whose objects."""
    names = [name for name, _route in desk_patterns()]
    missing = sorted(set(names) - set(EXPECTED))
    assert not missing, f"URL patterns without a row in EXPECTED: {missing}"
    stale = sorted(set(EXPECTED) - set(names))
    assert not stale, f"rows of EXPECTED for URL patterns that are gone: {stale}"


def test_every_url_answers_each_role_as_the_table_says(customers: Customers) -> None:
    w = build(customers)
    wrong = []
    for name, route in desk_patterns():
        expected = EXPECTED.get(name)
        if expected is None:
            continue  # reported by test_every_url_pattern_is_in_the_table
        # A URL without an object is asked once; with one, with each role's own and not.
        takes_object = "<" in route
        for own, row in zip((True, False), (expected[0], expected[-1]), strict=True):
            if not own and not takes_object:
                continue
            for role, want in zip(ROLES, row.split(), strict=True):
                url = (
                    "/" + route  # unnamed and without arguments (/favicon.ico)
                    if name.startswith("<")
                    else reverse(name, kwargs=kwargs_for(name, route, w, role, own))
                )
                got = request(w.clients[role], url)
                if got != want:
                    whose = "own" if own else "foreign"
                    wrong.append(f"{name} ({url}) as {role}, {whose}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_a_draft_and_the_webhook_with_a_secret(customers: Customers) -> None:
    """Beyond the table: a draft, even a public one, is the desk's alone; with a secret
    configured, the Telegram webhook refuses (403) whoever does not send it, signed in
    or not."""
    w = build(customers)
    draft = create_article(ArticleText(title_ru="Новая почта", body_ru="Скоро"), by=customers.anna)
    url = reverse("portal:kb-article", args=[draft.slug])
    got = " ".join(request(w.clients[role], url) for role in ROLES)
    assert got == "404 404 404 200 200 200"
    hook = reverse("telegram:webhook")
    with override_settings(
        ZAYAVKA_TELEGRAM_WEBHOOK_SECRET="s3cret", ZAYAVKA_TELEGRAM_TOKEN="1:token"
    ):
        for role in ROLES:
            client = w.clients[role]
            assert client.post(hook, "{}", "application/json").status_code == 403, role
            guessed = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            answer = client.post(hook, "{}", "application/json", headers=guessed)
            assert answer.status_code == 403, role


def admin_kwargs(name: str, route: str) -> dict[str, Any]:
    """Arguments for an admin URL: the app of its name, an existing object of its model."""
    found: dict[str, Any] = {}
    model = None
    for candidate in apps.get_models():
        prefix = f"admin:{candidate._meta.app_label}_{candidate._meta.model_name}_"
        if name.startswith(prefix):
            model = candidate
    row = model._default_manager.order_by("pk").first() if model is not None else None
    for arg in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if arg == "app_label":
            found[arg] = "accounts"
        elif arg in {"object_id", "id", "pk"}:
            found[arg] = str(row.pk) if row is not None else "1"
        elif arg == "content_type_id":
            found[arg] = str(ContentType.objects.get_for_model(Ticket).pk)
    return found


def admin_url(name: str, route: str) -> str:
    if not name.startswith("admin:<"):
        return reverse(name, kwargs=admin_kwargs(name, route))
    # Unnamed: the admin's catch-all, and each model's short link to an object.
    if "(?P<url>" in route:
        return "/admin/no/such/page/"
    model_route = route.split("<", 1)[0]  # admin/<app>/<model>/
    app_label, model_name = model_route.strip("/").split("/")[1:3]
    row = apps.get_model(app_label, model_name)._default_manager.order_by("pk").first()
    return "/" + re.sub(r"<(?:\w+:)?\w+>", str(row.pk) if row else "1", route)


def test_the_admin_is_for_staff_only(customers: Customers) -> None:
    """Every admin URL: visitors, customers and managers are sent to the admin's sign-in;
    agents (staff without permissions) are refused all but the admin's own pages; the
    administrator gets each page (or, for an object that is not there, the index)."""
    w = build(customers)
    wrong = []
    admin_urls = [(n, r) for n, r in patterns() if n.startswith("admin:")]
    assert len(admin_urls) > 100
    for name, route in admin_urls:
        url = admin_url(name, route)
        got = {role: request(w.clients[role], url) for role in ROLES}
        if name == "admin:login":
            allowed = {"anonymous": {"200"}, "customer": {"200"}, "manager": {"200"}}
        elif name == "admin:logout":
            allowed = {role: {"redirect", "405"} for role in ROLES}
        else:
            allowed = {"anonymous": {"login"}, "customer": {"login"}, "manager": {"login"}}
        staff = {"200"} if name in ADMIN_FOR_ALL_STAFF else {"403", "404", "redirect"}
        allowed.setdefault("agent", staff | ({"redirect"} if name == "admin:login" else set()))
        allowed.setdefault("restricted", allowed["agent"])
        for role, answer in got.items():
            if role == "admin":
                if answer == "login" or answer.lstrip("post:").startswith("5"):
                    wrong.append(f"{name} ({url}) as admin: {answer}")
            elif answer not in allowed[role]:
                wrong.append(f"{name} ({url}) as {role}: {answer}, expected {allowed[role]}")
    assert not wrong, "\n".join(wrong)


def test_stored_files_have_no_url_of_their_own(customers: Customers) -> None:
    """Uploads are served only by the views that check access: no URL pattern serves the
    storage, and its paths answer 404 to everyone. Static files (served by the web
    server from STATIC_ROOT) never share a directory with them."""
    w = build(customers)
    assert not [r for _n, r in patterns() if r.startswith(("media/", "static/", "files/"))]
    key = w.own_file["customer"].storage_key
    for role in ROLES:
        for url in (f"/media/{key}", f"/files/{key}", f"/static/../files/{key}"):
            assert w.clients[role].get(url).status_code == 404, (role, url)
    static_root = settings.STATIC_ROOT.resolve()
    media_root = settings.MEDIA_ROOT.resolve()
    assert static_root not in media_root.parents and media_root not in static_root.parents
    assert static_root != media_root
