from django.conf import settings
from django.db import models


class Contact(models.Model):
    """owner's contact list entry for contact (one direction, MSN style)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_entries")
    contact = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listed_by")
    # In owner's contact list (MSN's "Add a contact"); blocking is independent.
    listed = models.BooleanField(default=True)
    blocked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "contact"], name="contact_owner_contact_unique")]
        indexes = [models.Index(fields=["contact", "blocked"])]
