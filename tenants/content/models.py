"""The cluster's public-site content (tenant schema). News first; more in later issues."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class News(models.Model):
    title = models.CharField(_("заголовок"), max_length=300)
    body = models.TextField(_("текст"), blank=True)
    is_published = models.BooleanField(_("опубликована"), default=False)
    published_at = models.DateTimeField(_("дата публикации"), null=True, blank=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("новость")
        verbose_name_plural = _("новости")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(published_at__isnull=False),
                name="news_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title
