"""Import cultural objects from LIDO XML (lido:lidoWrap or a single lido:lido).

manage.py import_lido objekte.xml --municipality zeitz [--dry-run]
"""

from ._importcommand import ImportCommand


class Command(ImportCommand):
    help = "Importiert Objekte der Digitalen Sammlung aus LIDO-XML / imports heritage objects from LIDO."
    kind = "lido"
