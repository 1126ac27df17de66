"""Page cache declaration of the surveys (ADR 0017). Every table but the personal drafts and
invitation codes: responses change the public results."""

from rathaus.core.pagecache.registry import register

from .models import (
    Answer,
    Condition,
    MatrixRow,
    Option,
    Page,
    Participation,
    Question,
    Response,
    Survey,
    Tally,
)

register(
    "surveys",
    models=[Survey, Page, Question, Option, MatrixRow, Condition, Participation, Response, Answer, Tally],
    pages=["surveys:index", "surveys:detail", "surveys:public_results", "surveys:open_data_csv"],
)
