"""Import cultural objects from a CSV file (column mapping: docs/heritage.md).

manage.py import_heritage_csv objekte.csv --municipality zeitz [--dry-run]
"""

from ._importcommand import ImportCommand


class Command(ImportCommand):
    help = "Importiert Objekte der Digitalen Sammlung aus CSV / imports heritage objects from CSV."
    kind = "csv"
