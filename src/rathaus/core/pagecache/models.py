"""One counter per municipality and scope (module); municipality 0 = every municipality."""

from django.db import models


class Generation(models.Model):
    # A plain integer, not a foreign key: 0 stands for "all municipalities" (writes outside a request
    # of a municipality: tasks, commands, the Django admin), and counters never block a deletion.
    municipality_id = models.BigIntegerField()
    scope = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality_id", "scope"], name="pagecache_generation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.scope}={self.value}"
