"""The 2025 and 2026 report forms, from DOMAIN.md «Federal reporting and the registry».

Frozen here on purpose: later forms are made by the platform admin in the form editor
(copy a year's form, edit, publish), never by code.
"""

from django.db import migrations
from django.utils import timezone

# code, name_ru, name_en, unit, value_type, method, source, required
INDICATORS_2025 = [
    ("members_total", "Число участников кластера", "Number of cluster participants", "ед.",
     "integer", "count", "members_total", False),
    ("members_companies", "в том числе компаний", "of which companies", "ед.",
     "integer", "count", "members_company", False),
    ("members_universities", "в том числе вузов и научных организаций", "of which universities and research bodies",
     "ед.", "integer", "count", "members_university", False),
    ("members_other", "в том числе иных организаций (фонды, управляющие компании ОЭЗ и др.)",
     "of which other organizations (funds, SEZ management companies, etc.)", "ед.",
     "integer", "count", "members_other_kinds", False),
    ("revenue", "Выручка участников", "Participants' revenue", "₽", "money_kopecks", "sum_kpi", "revenue", False),
    ("revenue_cluster_products", "Выручка от продукции кластера (медицинские изделия)",
     "Revenue from cluster products (medical devices)", "₽", "money_kopecks", "sum_kpi",
     "revenue_medical_devices", False),
    ("employees", "Численность работников участников", "Participants' employees", "чел.",
     "integer", "sum_kpi", "employees", False),
    ("new_jobs", "Создано новых рабочих мест", "New jobs created", "ед.", "integer", "sum_kpi", "new_jobs", False),
    ("investment", "Инвестиции участников", "Participants' investment", "₽", "money_kopecks", "sum_kpi",
     "investment", False),
    ("export", "Экспорт продукции участников", "Participants' export", "₽", "money_kopecks", "sum_kpi",
     "export", False),
    ("rnd_spend", "Расходы участников на НИОКР", "Participants' R&D spending", "₽", "money_kopecks", "sum_kpi",
     "rnd_spend", False),
    ("products_launched", "Выведено на рынок новых продуктов", "New products launched", "ед.",
     "integer", "sum_kpi", "products_launched", False),
    ("cooperation_contracts", "Договоры о кооперации между участниками за год",
     "Cooperation contracts between participants in the year", "ед.", "integer", "count", "contracts_total", False),
    ("joint_projects", "Совместные проекты участников (импортозамещение)",
     "Joint projects of participants (import substitution)", "ед.", "integer", "count",
     "contracts_joint_project", False),
    ("cooperation_amount", "Сумма договоров о кооперации за год", "Amount of cooperation contracts in the year",
     "₽", "money_kopecks", "computed", "contracts_amount", False),
    ("support_received", "Государственная поддержка, полученная участниками",
     "State support received by participants", "₽", "money_kopecks", "entered", "", True),
    ("participants_special_territory", "Участники в моногородах и на территориях опережающего развития",
     "Participants in single-industry towns and priority development territories", "ед.",
     "integer", "entered", "", False),
    ("roadmap_completion", "Выполнение дорожной карты", "Roadmap completion", "%", "percent", "ratio",
     "roadmap_items_done/roadmap_items_total", False),
    ("dues_collection", "Собираемость членских взносов", "Membership dues collection rate", "%", "percent",
     "ratio", "dues_paid/dues_invoiced", False),
    ("highlights", "Основные результаты года", "Main results of the year", "", "text", "entered", "", False),
]

# 2026 asks two more things: taxes paid and the share of cluster products in revenue.
INDICATORS_2026 = INDICATORS_2025[:12] + [
    ("taxes_paid", "Налоги, уплаченные участниками", "Taxes paid by participants", "₽", "money_kopecks",
     "sum_kpi", "taxes_paid", False),
    ("cluster_products_share", "Доля продукции кластера в выручке участников",
     "Share of cluster products in participants' revenue", "%", "percent", "ratio",
     "revenue_medical_devices/revenue", False),
] + INDICATORS_2025[12:]

FORMS = {2025: INDICATORS_2025, 2026: INDICATORS_2026}


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    ReportForm = apps.get_model("federal", "ReportForm")
    Indicator = apps.get_model("federal", "Indicator")
    for year, rows in FORMS.items():
        if ReportForm.objects.filter(year=year).exists():
            continue
        form = ReportForm.objects.create(year=year, version=1, status="published", published_at=timezone.now(),
                                         title=f"Годовой отчёт кластера за {year} год")
        Indicator.objects.bulk_create([
            Indicator(form=form, code=code, name_ru=ru, name_en=en, unit=unit, value_type=vt, method=method,
                      source=source, required=required, position=(n + 1) * 10)
            for n, (code, ru, en, unit, vt, method, source, required) in enumerate(rows)
        ])


class Migration(migrations.Migration):
    dependencies = [("federal", "0002_annualreport_immutable")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
