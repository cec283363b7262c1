"""ContactAddress.confirmed_by (issue 15): what proved an address is the contact's.

Existing email addresses: a portal account's is "portal"; one whose contact appeared
within two minutes of an email ticket it requested (created by its own first mail, with
no portal account) stays unconfirmed; the others, entered by the desk, are "agent".
"""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def confirm_existing(apps, schema_editor):
    ContactAddress = apps.get_model("accounts", "ContactAddress")
    Ticket = apps.get_model("tickets", "Ticket")
    emails = ContactAddress.objects.filter(kind="email")
    emails.filter(contact__user__isnull=False).update(confirmed_by="portal")
    window = timedelta(minutes=2)
    self_created = (
        Ticket.objects.filter(
            channel="email",
            requester__user__isnull=True,
            created_at__gte=F("requester__created_at") - window,
            created_at__lte=F("requester__created_at") + window,
        )
        .values_list("requester_id", flat=True)
        .distinct()
    )
    emails.filter(contact__user__isnull=True).exclude(contact_id__in=self_created).update(
        confirmed_by="agent"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_support_team_names"),
        ("tickets", "0006_attachment_released_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactaddress",
            name="confirmed_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not confirmed"),
                    ("agent", "Confirmed by an agent"),
                    ("portal", "Confirmed portal account"),
                    ("authenticated", "Authenticated mail (DKIM/DMARC)"),
                ],
                default="",
                max_length=16,
                verbose_name="confirmed by",
            ),
        ),
        migrations.RunPython(confirm_existing, migrations.RunPython.noop),
    ]
