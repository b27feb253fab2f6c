from django.core.management.base import BaseCommand, CommandError

from shipping.exceptions import RateCardError
from shipping.rate_cards import DEFAULT_DIR, rate_cards_load_directory


class Command(BaseCommand):
    help = "Load carriers, services, zones and rate cards from CSV files (the shipped set by default)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(DEFAULT_DIR), help="Directory with carriers.csv, services.csv, "
                            "zones.csv and rates.csv (any subset).")

    def handle(self, *args, **options):
        try:
            counts = rate_cards_load_directory(directory=options["dir"])
        except RateCardError as exc:
            raise CommandError(exc.message) from exc
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} rows")
        self.stdout.write(self.style.SUCCESS("Rate cards loaded."))
