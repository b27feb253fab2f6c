import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from shipping.document_store import documents_make_private


class Command(BaseCommand):
    help = ("Move documents stored before they were private (guessable names in the old media folder) to random "
            "names in the private storage. Safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="source", default=os.environ.get("DOCKHAND_MEDIA_ROOT") or str(settings.BASE_DIR / "media"),
            help="The old media folder (default: $DOCKHAND_MEDIA_ROOT or ./media). Files not found there are looked "
                 "for in the storage itself.")

    def handle(self, *args, **options):
        source = Path(options["source"])
        report = documents_make_private(source_dir=source if source.is_dir() else None)
        for line in report.moved:
            self.stdout.write(f"moved    {line}")
        for line in report.missing:
            self.stdout.write(f"missing  {line}  (a document is rendered again when asked for; a logo must be uploaded again)")
        self.stdout.write(self.style.SUCCESS(f"{len(report.moved)} moved, {len(report.missing)} missing."))
