"""Channel policy (R9): a file the contract's channel does not accept is kept out of the
thread, never lost, and the requester is told once, in their language, what to do."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import ContactFactory, World, inbound, ticket_of
from zayavka.accounts.models import ChannelPolicy, Contact, ContentKind
from zayavka.core.storage import read_blob
from zayavka.tickets import notifications, outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.inbound import InboundAttachment, ReplyHints
from zayavka.tickets.models import Attachment, EventKind, Outbox, RawInput
from zayavka.tickets.policy import Policy, content_kinds, policy_for, screen

pytestmark = pytest.mark.django_db

KB = 1024


def file(
    name: str, size: int, content_type: str = "application/pdf", **kwargs: Any
) -> InboundAttachment:
    return InboundAttachment(
        filename=name, content_type=content_type, content=b"x" * size, **kwargs
    )


@pytest.fixture
def email_policy(world: World) -> ChannelPolicy:
    """Romashka's contract: email takes images and documents up to 300 KB (as in seed 002)."""
    policy: ChannelPolicy = ChannelPolicy.objects.create(
        contract=world.romashka_contract,
        channel="email",
        max_attachment_bytes=300 * KB,
        allowed_kinds=[ContentKind.TEXT, ContentKind.IMAGE, ContentKind.DOCUMENT],
    )
    return policy


@pytest.fixture
def john(world: World) -> Contact:
    contact: Contact = ContactFactory.create(
        name="John Smith", organization=world.romashka, language="en", email="j.smith@romashka.ru"
    )
    return contact


def notices() -> list[Outbox]:
    return list(Outbox.objects.filter(template="attachment_withheld").order_by("pk"))


def sent_notice() -> Any:
    """The one notice about withheld files, as delivered."""
    (notice,) = notices()
    outbox.deliver_due()
    message_id = f"<{notice.context['message_id']}>"
    (email,) = [m for m in mail.outbox if m.extra_headers["Message-ID"] == message_id]
    return email


def test_a_file_over_the_limit_is_kept_out_of_the_thread_and_the_requester_told_in_russian(
    world: World, email_policy: ChannelPolicy
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(
                email="o.smirnov@romashka.ru",
                attachments=(
                    file("журнал.pdf", 400 * KB),
                    file("снимок.png", 20 * KB, "image/png"),
                ),
            )
        )
    )

    assert [a.filename for a in ticket.attachments.visible()] == ["снимок.png"]
    held = ticket.attachments.withheld().get()
    assert held.filename == "журнал.pdf" and held.size == 400 * KB
    assert "300" in held.withheld_reason
    assert read_blob(held.storage_key) == b"x" * 400 * KB  # kept, not dropped
    event = ticket.events.get(kind=EventKind.ATTACHMENT_WITHHELD)
    assert event.data["attachments"][0]["filename"] == "журнал.pdf"
    assert event.actor_contact == world.oleg

    (notice,) = notices()
    assert notice.recipient == "o.smirnov@romashka.ru" and notice.language == "ru"
    email = sent_notice()
    assert email.to == ["o.smirnov@romashka.ru"]
    assert f"[#{ticket.number}]" in email.subject
    assert email.body.startswith("Здравствуйте!")
    assert "журнал.pdf (400,0\xa0КБ)" in email.body  # named, with Russian units
    assert "300,0\xa0КБ" in email.body  # the limit
    assert "снимок.png" not in email.body
    assert "Служба поддержки «Заявка»" in email.body


def test_an_english_speaking_requester_is_told_in_english_with_what_to_do(
    world: World, email_policy: ChannelPolicy, john: Contact
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(email="j.smith@romashka.ru", attachments=(file("dump.pdf", 2048 * KB),))
        )
    )
    assert ticket.attachments.visible().count() == 0
    email = sent_notice()
    assert email.to == ["j.smith@romashka.ru"]
    assert f"[#{ticket.number}] Files were not added to your request" in email.subject
    assert email.body.startswith("Hello!")
    assert "  - dump.pdf (2.0\xa0MB)" in email.body
    assert "The largest file accepted is 300.0\xa0KB." in email.body
    assert "send a link to the file" in email.body and "or a smaller file" in email.body
    assert "&" not in email.body  # plain text, not HTML-escaped


def test_a_kind_the_contract_does_not_accept_is_withheld_whatever_its_name_claims(
    world: World, email_policy: ChannelPolicy, john: Contact
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(
                email="j.smith@romashka.ru",
                attachments=(
                    file("backup.zip", 10 * KB, "application/zip"),
                    file("photo.exe", 10 * KB, "image/png"),
                    file("act.docx", 10 * KB, "application/zip"),  # a zip inside, a document
                    file("scan.jpg", 10 * KB, "application/octet-stream"),
                ),
            )
        )
    )
    assert sorted(a.filename for a in ticket.attachments.visible()) == ["act.docx", "scan.jpg"]
    assert sorted(a.filename for a in ticket.attachments.withheld()) == [
        "backup.zip",
        "photo.exe",
    ]
    email = sent_notice()
    assert "backup.zip" in email.body and "photo.exe" in email.body
    assert "Files accepted: Images, Documents." in email.body
    assert "largest file" not in email.body  # none was too large


def test_files_within_the_policy_are_kept_in_the_thread_and_nobody_is_told(
    world: World, email_policy: ChannelPolicy
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(
                email="o.smirnov@romashka.ru",
                attachments=(file("акт.pdf", 300 * KB), file("экран.png", 100 * KB, "image/png")),
            )
        )
    )
    assert ticket.attachments.visible().count() == 2
    assert not ticket.events.filter(kind=EventKind.ATTACHMENT_WITHHELD).exists()
    assert notices() == []


def test_without_a_contract_the_desk_default_limit_applies(world: World, settings: Any) -> None:
    settings.ZAYAVKA_MAX_ATTACHMENT_BYTES = 50 * KB
    ticket = ticket_of(
        intake.receive(
            inbound(
                email="someone@example.org",
                attachments=(file("big.pdf", 60 * KB), file("small.pdf", 40 * KB)),
            )
        )
    )
    assert ticket.contract is None
    assert [a.filename for a in ticket.attachments.visible()] == ["small.pdf"]
    assert [a.filename for a in ticket.attachments.withheld()] == ["big.pdf"]
    # An unconfirmed address is told, but not the names a stranger wrote.
    (notice,) = notices()
    assert notice.recipient == "someone@example.org"
    email = sent_notice()
    assert "big.pdf" not in email.body
    assert "не добавили к ней 1 файл" in email.body


def test_a_contract_without_a_policy_for_the_channel_gets_the_desk_default(
    world: World, settings: Any
) -> None:
    ChannelPolicy.objects.create(
        contract=world.romashka_contract, channel="web", max_attachment_bytes=300 * KB
    )
    settings.ZAYAVKA_MAX_ATTACHMENT_BYTES = 25 * 1024 * KB
    assert policy_for(world.romashka_contract, "email") == Policy(25 * 1024 * KB)
    assert policy_for(world.romashka_contract, "web") == Policy(300 * KB, from_contract=True)
    assert policy_for(None, "email") == Policy(25 * 1024 * KB)


def test_the_same_message_delivered_again_brings_no_second_notice(
    world: World, email_policy: ChannelPolicy
) -> None:
    message = inbound(
        email="o.smirnov@romashka.ru",
        external_id="<big@mail.romashka.ru>",
        attachments=(file("a.pdf", 400 * KB), file("b.pdf", 500 * KB)),
    )
    first = intake.receive(message)
    assert intake.receive(message).result == "duplicate"
    assert len(notices()) == 1  # one notice for the message, naming both files
    ticket = ticket_of(first)
    msg = ticket.messages.get()
    withheld = screen(message.attachments, policy_for(ticket.contract, "email"))
    notifications.notify_attachments_withheld(
        ticket,
        world.oleg,
        message_pk=msg.pk,
        in_reply_to="",
        withheld=withheld,
        policy=policy_for(ticket.contract, "email"),
    )
    assert len(notices()) == 1
    email = sent_notice()
    assert "a.pdf" in email.body and "b.pdf" in email.body


def test_a_quarantined_message_replayed_is_told_about_once(
    world: World, email_policy: ChannelPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("routing is down")

    monkeypatch.setattr(notifications, "notify_ticket_created", broken)
    failed = intake.receive(
        inbound(email="o.smirnov@romashka.ru", attachments=(file("a.pdf", 400 * KB),))
    )
    assert failed.result == "quarantined" and notices() == []
    monkeypatch.undo()
    assert failed.raw_id is not None
    assert intake.retry(failed.raw_id).result == "created"
    assert intake.retry(failed.raw_id).result == "duplicate"
    assert len(notices()) == 1
    assert RawInput.objects.get().state == RawInput.State.PROCESSED


def test_each_message_with_withheld_files_gets_its_own_notice(
    world: World, email_policy: ChannelPolicy
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(email="o.smirnov@romashka.ru", attachments=(file("a.pdf", 400 * KB),))
        )
    )
    intake.receive(
        inbound(
            "Ещё файл",
            email="o.smirnov@romashka.ru",
            subject=f"Re: [#{ticket.number}] Не открывается сайт",
            reply=ReplyHints(ticket_number=ticket.number),
            attachments=(file("b.pdf", 400 * KB),),
        )
    )
    assert ticket.attachments.withheld().count() == 2
    assert [n.context["files"][0]["name"] for n in notices()] == ["a.pdf", "b.pdf"]


def test_a_signature_logo_is_held_back_quietly_on_a_channel_that_takes_no_files(
    world: World,
) -> None:
    """Phone takes no files under the contract. The requester's mail client put a tiny
    logo in the signature: it stays out of the thread, but nobody is bothered about it."""
    ChannelPolicy.objects.create(
        contract=world.romashka_contract, channel="phone", max_attachment_bytes=0
    )
    logo = file("logo.png", 3 * KB, "image/png", inline=True, content_id="logo@romashka")
    signature = file("smime.p7s", 2 * KB, "application/pkcs7-signature")
    ticket = ticket_of(
        intake.receive(
            inbound(email="o.smirnov@romashka.ru", channel="phone", attachments=(logo, signature))
        )
    )
    assert ticket.attachments.visible().count() == 0
    assert ticket.attachments.withheld().count() == 2
    assert ticket.events.filter(kind=EventKind.ATTACHMENT_WITHHELD).exists()
    assert notices() == []


def test_a_pasted_screenshot_counts_like_any_file(world: World, john: Contact) -> None:
    ChannelPolicy.objects.create(
        contract=world.romashka_contract, channel="email", max_attachment_bytes=0
    )
    logo = file("logo.png", 3 * KB, "image/png", inline=True, content_id="logo@romashka")
    screenshot = file("image001.png", 180 * KB, "image/png", inline=True, content_id="img1")
    intake.receive(
        inbound(email="j.smith@romashka.ru", channel="email", attachments=(logo, screenshot))
    )
    email = sent_notice()
    assert "  - image001.png (180.0\xa0KB)" in email.body
    assert "logo.png" not in email.body
    assert "This channel does not accept files." in email.body


def test_withheld_attachments_show_on_the_ticket_in_admin_and_can_be_released(
    world: World, email_policy: ChannelPolicy, admin_client: Client
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(email="o.smirnov@romashka.ru", attachments=(file("отчёт.pdf", 400 * KB),))
        )
    )
    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert "отчёт.pdf" in page.content.decode()

    held = Attachment.objects.get()
    response = admin_client.post(
        "/admin/tickets/attachment/",
        {"action": "release_withheld", "_selected_action": [held.pk]},
        follow=True,
    )
    assert response.status_code == 200
    held.refresh_from_db()
    assert held.withheld is False and held.withheld_reason == ""
    assert list(ticket.attachments.visible()) == [held]
    released = ticket.events.filter(kind=EventKind.ATTACHMENT_RELEASED)
    assert released.count() == 1
    assert released.get().actor_user is not None

    # Releasing it again changes nothing and records nothing.
    admin_client.post(
        "/admin/tickets/ticket/",
        {"action": "release_withheld", "_selected_action": [ticket.pk]},
    )
    assert released.count() == 1


def test_the_ticket_list_releases_every_withheld_file_of_the_selected_tickets(
    world: World, email_policy: ChannelPolicy, admin_client: Client
) -> None:
    ticket = ticket_of(
        intake.receive(
            inbound(
                email="o.smirnov@romashka.ru",
                attachments=(file("a.pdf", 400 * KB), file("b.zip", 1 * KB, "application/zip")),
            )
        )
    )
    admin_client.post(
        "/admin/tickets/ticket/",
        {"action": "release_withheld", "_selected_action": [ticket.pk]},
    )
    assert ticket.attachments.withheld().count() == 0
    assert ticket.attachments.visible().count() == 2


@pytest.mark.parametrize(
    ("filename", "content_type", "kinds"),
    [
        ("photo.jpg", "image/jpeg", {"image"}),
        ("photo.JPG", "application/octet-stream", {"image"}),
        ("voice.ogg", "audio/ogg", {"audio"}),
        ("clip.mp4", "video/mp4", {"video"}),
        ("report.pdf", "application/pdf", {"document"}),
        ("notes.txt", "text/plain", {"document"}),
        ("table.xlsx", "application/zip", {"document"}),
        (
            "table.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            {"document"},
        ),
        ("logs.tar.gz", "application/gzip", {"archive"}),
        ("invoice.pdf.exe", "application/pdf", {"document", "other"}),
        ("photo.exe", "image/png", {"image", "other"}),
        ("noname", "application/octet-stream", {"other"}),
        ("data.bin", "", {"other"}),
        ("letter.eml", "message/rfc822", {"document"}),
    ],
)
def test_the_kind_of_a_file_comes_from_its_declared_type_and_its_name(
    filename: str, content_type: str, kinds: set[str]
) -> None:
    assert content_kinds(filename, content_type) == kinds


def test_text_in_the_allowed_kinds_means_the_message_itself_not_text_files() -> None:
    text_only = Policy(10 * 1024 * KB, frozenset({"text"}), from_contract=True)
    assert not text_only.accepts_files
    (item,) = screen([file("notes.txt", 1, "text/plain")], text_only)
    assert item.reason == "no_files"


@given(st.text(max_size=80), st.text(max_size=60))
def test_every_file_has_at_least_one_kind_and_never_passes_for_the_message_text(
    filename: str, content_type: str
) -> None:
    kinds = content_kinds(filename, content_type)
    assert kinds and kinds <= set(ContentKind.values) - {"text"}


@given(st.sampled_from(["exe", "scr", "js", "bat", "msi"]), st.text(max_size=20))
def test_a_program_never_passes_for_an_image_whatever_it_declares(ext: str, stem: str) -> None:
    images_only = Policy(10 * 1024 * KB, frozenset({"image"}), from_contract=True)
    (item,) = screen([file(f"{stem}.{ext}", 10, "image/png")], images_only)
    assert item.reason == "kind"


def test_a_kind_the_desk_does_not_know_admits_nothing_rather_than_everything(
    world: World,
) -> None:
    ChannelPolicy.objects.create(
        contract=world.romashka_contract, channel="email", allowed_kinds=["pdf"]
    )
    rules = policy_for(world.romashka_contract, "email")
    (item,) = screen([file("act.pdf", 10)], rules)
    assert item.reason == "kind"
