"""``gazette manage comments ...``: a commenter's data, and the retention periods.

    export --email X [--out PATH]     everything stored for the address, as JSON (stdout or PATH)
    erase --email X [--remove-text]   anonymise it (name "Anonymous"; email, website, IP address
                                      and user agent removed; the text too with --remove-text),
                                      and the spam filter's examples of it
    retention                         remove IP addresses and user agents past
                                      GAZETTE_COMMENTS_PERSONAL_DATA_DAYS, delete spam and trash
                                      past GAZETTE_COMMENTS_SPAM_DAYS (hourly in the scheduler)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from gazette.comments import privacy


def _email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError as error:
        raise CommandError(f"not an email address: {value!r}") from error
    return value


class Command(BaseCommand):
    help = "Export or erase a commenter's data; apply the retention periods."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="everything stored for an email, as JSON")
        export.add_argument("--email", required=True)
        export.add_argument("--out", type=Path, default=None, help="write to this file")
        erase = sub.add_parser("erase", help="anonymise everything stored for an email")
        erase.add_argument("--email", required=True)
        erase.add_argument("--remove-text", action="store_true",
                           help="remove the comments' text too")
        sub.add_parser("retention", help="apply the retention periods")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export":
            document = privacy.personal_data_export_json(_email(options["email"]))
            if options["out"] is not None:
                options["out"].write_text(document + "\n", encoding="utf-8")
            else:
                self.stdout.write(document)
        elif action == "erase":
            result = privacy.personal_data_erase(_email(options["email"]),
                                                 remove_text=options["remove_text"])
            self.stdout.write(f"{result.comments} comment(s) anonymised, {result.addresses} "
                              f"notification address(es) removed, {result.examples} spam "
                              "filter example(s) erased")
        else:
            retained = privacy.retention_apply()
            if options["verbosity"] > 0:
                self.stdout.write(f"{retained.personal_data_removed} comment(s) lost their IP "
                                  f"address and user agent, {retained.spam_deleted} spam or "
                                  f"trash deleted, {retained.addresses_deleted} unconfirmed "
                                  "address(es) deleted")
