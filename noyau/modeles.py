"""Model helpers shared by the apps."""

from django.db import models


class NaturalKeyManager(models.Manager):
    """Looks a row up by the fields named in the model's `natural_key_lookups`."""

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.model.natural_key_lookups, key, strict=True)))


class Versionne(models.Model):
    """A row written through noyau.versions: its `version` is compared and raised by every write (a page
    posts the version it showed; a stale page is refused)."""

    version = models.PositiveIntegerField("version", default=1, editable=False)

    class Meta:
        abstract = True
