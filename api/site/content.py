"""/api/v1/news/, articles/, jobs/, documents/: the cluster's site content.

Cluster admins and staff write and see drafts; any other cluster role reads what is published
(jobs: published and not expired). Anonymous visitors read the public pages, not this API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from api.list_cache import CachedListMixin
from api.representation import PlainFieldsSerializer
from api.schema import DOCUMENT_RESPONSE
from tenants.content import services
from tenants.content.models import Article, Document, Job, News
from tenants.content.selectors import article_list, document_file, document_list, job_list, news_list
from tenants.members.models import Company


class ContentViewSet(CachedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    """Managers see drafts; the rest see what is published. A list that reads one table of its own
    is cached under that table's version and whether the caller sees drafts (api.list_cache)."""

    def list_cache_scope(self) -> tuple[bool]:
        return (self.is_manager(),)

    def is_manager(self) -> bool:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no cluster on the request
            return False
        return self.access().manager

    def out(self, obj: Any) -> dict[str, Any]:
        serializer = self.get_serializer(obj)
        return serializer.data


# --- news ---------------------------------------------------------------------------------


class NewsOutputSerializer(PlainFieldsSerializer):
    class Meta:
        model = News
        fields = ["id", "title", "body", "is_published", "published_at", "created_at"]


class NewsInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Заголовок", max_length=300)
    body = serializers.CharField(label="Текст", required=False, allow_blank=True, default="")
    publish = serializers.BooleanField(label="Опубликовать", default=True)


class NewsViewSet(ContentViewSet):
    serializer_class = NewsOutputSerializer
    search_fields = ["title", "body"]
    ordering_fields = ["published_at", "title", "id"]
    filterset_fields = ["is_published"]
    list_cache_tables = ("content_news",)

    def get_queryset(self) -> QuerySet[News]:
        return news_list(published_only=not self.is_manager())

    @extend_schema(request=NewsInputSerializer, responses={201: NewsOutputSerializer})
    def create(self, request: Request) -> Response:
        news = services.news_create(actor=self.actor(), **self.input(NewsInputSerializer))
        return Response(NewsOutputSerializer(news).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NewsInputSerializer, responses={200: NewsOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        news = services.news_update(
            news=self.get_object(), actor=self.actor(), **self.input(NewsInputSerializer, partial=True)
        )
        return Response(NewsOutputSerializer(news).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.news_delete(news=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- articles -----------------------------------------------------------------------------


class ArticleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "lead",
            "body",
            "author",
            "is_published",
            "published_at",
            "created_at",
            "updated_at",
        ]


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Заголовок", max_length=300)
    lead = serializers.CharField(label="Анонс", required=False, allow_blank=True, default="")
    body = serializers.CharField(label="Текст", required=False, allow_blank=True, default="")
    author = serializers.CharField(
        label="Автор", max_length=200, required=False, allow_blank=True, default=""
    )
    publish = serializers.BooleanField(label="Опубликовать", default=False)


class ArticleViewSet(ContentViewSet):
    serializer_class = ArticleOutputSerializer
    search_fields = ["title", "lead", "body", "author"]
    ordering_fields = ["published_at", "title", "id"]
    filterset_fields = ["is_published"]
    list_cache_tables = ("content_article",)

    def get_queryset(self) -> QuerySet[Article]:
        return article_list(published_only=not self.is_manager())

    @extend_schema(request=ArticleInputSerializer, responses={201: ArticleOutputSerializer})
    def create(self, request: Request) -> Response:
        article = services.article_create(actor=self.actor(), **self.input(ArticleInputSerializer))
        return Response(self.out(article), status=status.HTTP_201_CREATED)

    @extend_schema(request=ArticleInputSerializer, responses={200: ArticleOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        article = services.article_update(
            article=self.get_object(), actor=self.actor(), **self.input(ArticleInputSerializer, partial=True)
        )
        return Response(self.out(article))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.article_delete(article=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- jobs ---------------------------------------------------------------------------------


class JobOutputSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.short_name", default="", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "company",
            "company_name",
            "description",
            "location",
            "salary",
            "is_published",
            "published_at",
            "expires_on",
            "created_at",
            "updated_at",
        ]


class JobInputSerializer(serializers.Serializer):
    title = serializers.CharField(label="Должность", max_length=300)
    company = serializers.PrimaryKeyRelatedField(
        label="Организация", queryset=Company.objects.all(), required=False, allow_null=True, default=None
    )
    description = serializers.CharField(label="Описание", required=False, allow_blank=True, default="")
    location = serializers.CharField(
        label="Место работы", max_length=300, required=False, allow_blank=True, default=""
    )
    salary = serializers.CharField(
        label="Зарплата", max_length=200, required=False, allow_blank=True, default=""
    )
    expires_on = serializers.DateField(label="Актуальна до", required=False, allow_null=True, default=None)
    publish = serializers.BooleanField(label="Опубликовать", default=False)


class JobViewSet(ContentViewSet):
    # Not cached: the public's list depends on the date and on the companies' names as well.
    serializer_class = JobOutputSerializer
    search_fields = ["title", "description", "location", "company__short_name"]
    ordering_fields = ["published_at", "expires_on", "title", "id"]
    filterset_fields = ["is_published", "company"]

    def get_queryset(self) -> QuerySet[Job]:
        return job_list(published_only=not self.is_manager())

    @extend_schema(request=JobInputSerializer, responses={201: JobOutputSerializer})
    def create(self, request: Request) -> Response:
        job = services.job_create(actor=self.actor(), **self.input(JobInputSerializer))
        return Response(self.out(job), status=status.HTTP_201_CREATED)

    @extend_schema(request=JobInputSerializer, responses={200: JobOutputSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        job = services.job_update(
            job=self.get_object(), actor=self.actor(), **self.input(JobInputSerializer, partial=True)
        )
        return Response(self.out(job))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.job_delete(job=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- documents ----------------------------------------------------------------------------


class DocumentOutputSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "description",
            "original_name",
            "size",
            "is_published",
            "published_at",
            "created_at",
            "download_url",
        ]

    def get_download_url(self, document: Document) -> str:
        return reverse("api:site-document-download", kwargs={"pk": document.pk})


class DocumentInputSerializer(serializers.Serializer):
    title = serializers.CharField(
        label="Название", max_length=300, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(label="Описание", required=False, allow_blank=True, default="")
    file = serializers.FileField(label="Файл")
    publish = serializers.BooleanField(label="Опубликовать", default=False)


class DocumentChangeSerializer(serializers.Serializer):
    title = serializers.CharField(label="Название", max_length=300)
    description = serializers.CharField(label="Описание", required=False, allow_blank=True)
    file = serializers.FileField(label="Новый файл", required=False)
    publish = serializers.BooleanField(label="Опубликовать", required=False)


class DocumentViewSet(ContentViewSet):
    serializer_class = DocumentOutputSerializer
    search_fields = ["title", "description", "original_name"]
    ordering_fields = ["published_at", "title", "id"]
    filterset_fields = ["is_published"]
    list_cache_tables = ("content_document",)

    def get_queryset(self) -> QuerySet[Document]:
        return document_list(published_only=not self.is_manager())

    @extend_schema(
        request={"multipart/form-data": DocumentInputSerializer}, responses={201: DocumentOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        document = services.document_upload(actor=self.actor(), **self.input(DocumentInputSerializer))
        return Response(self.out(document), status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": DocumentChangeSerializer,
            "application/json": DocumentChangeSerializer,
        },
        responses={200: DocumentOutputSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        document = services.document_update(
            document=self.get_object(),
            actor=self.actor(),
            **self.input(DocumentChangeSerializer, partial=True),
        )
        return Response(self.out(document))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.document_delete(document=self.get_object(), actor=self.actor())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses=DOCUMENT_RESPONSE,
        description="Файл документа (черновики — только администраторам и сотрудникам кластера).",
    )
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request: Request, pk: str) -> FileResponse:
        document = self.get_object()
        stream = document_file(document=document)
        if stream is None:
            raise NotFound("Файл документа не найден.")
        return FileResponse(
            stream,
            as_attachment=True,
            filename=document.original_name or (document.file.name or "").rsplit("/", 1)[-1],
        )
