"""The cluster's public-site content (tenant schema): news, articles, jobs, documents."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import connection, models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from tenants.members.models import Company


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


class Article(models.Model):
    """A longer text of the public site: an interview, a review, a success story."""

    title = models.CharField(_("заголовок"), max_length=300)
    lead = models.TextField(_("анонс"), blank=True)
    body = models.TextField(_("текст"), blank=True)
    author = models.CharField(_("автор"), max_length=200, blank=True)
    is_published = models.BooleanField(_("опубликована"), default=False)
    published_at = models.DateTimeField(_("дата публикации"), null=True, blank=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("статья")
        verbose_name_plural = _("статьи")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(published_at__isnull=False),
                name="article_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Job(models.Model):
    """A vacancy at the cluster's organization or at one of its members."""

    title = models.CharField(_("должность"), max_length=300)
    company = models.ForeignKey(
        Company,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("организация"),
    )
    description = models.TextField(_("описание"), blank=True)
    location = models.CharField(_("место работы"), max_length=300, blank=True)
    salary = models.CharField(
        _("зарплата"), max_length=200, blank=True, help_text=_("Как в объявлении, например «от 80 000 ₽».")
    )
    is_published = models.BooleanField(_("опубликована"), default=False)
    published_at = models.DateTimeField(_("дата публикации"), null=True, blank=True)
    expires_on = models.DateField(_("актуальна до"), null=True, blank=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("вакансия")
        verbose_name_plural = _("вакансии")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(published_at__isnull=False),
                name="job_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title


def _schema() -> str:
    return str(getattr(connection, "schema_name", "public"))


def site_document_path(instance: Document, filename: str) -> str:
    """Files of a cluster live under MEDIA_ROOT/clusters/<schema>/: never shared, never guessed."""
    name = get_valid_filename(PurePath(filename).name)[-120:] or "file"
    return f"clusters/{_schema()}/site-documents/{uuid.uuid4().hex}/{name}"


class Document(models.Model):
    """A file of the public site (charter, regulations, reports), served by a checked view."""

    title = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("описание"), blank=True)
    file = models.FileField(_("файл"), upload_to=site_document_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    is_published = models.BooleanField(_("опубликован"), default=False)
    published_at = models.DateTimeField(_("дата публикации"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("документ")
        verbose_name_plural = _("документы")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(published_at__isnull=False),
                name="document_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title
