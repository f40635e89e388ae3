"""The demo public tab of every seed municipality for `load_demo`: the home page, the directions'
pages and a free page about the system, published by the municipality's demo operator.

One direction page of Ишимбайский район stays an unpublished draft, for the operator to publish.
Idempotent: a page that has ever been published (or the draft, once written) is left as it is.
"""

from django.db import transaction

from indicators.models import Indicator
from mcok.demo import upsert
from mcok.demo_data import MUNICIPALITIES
from mcok.models import Document, Municipality, User
from reports import public
from reports.models import PublicPage

# Left an unpublished draft: the page of Ishimbay's direction 2.3, the one with indicators and the
# organizations' values, waits for the operator to publish it.
DRAFT_PAGES = {"ishimbay": "napravlenie-2-3"}
FREE_SLUG = "o-sisteme-ocenki"
FREE_TITLE = "О муниципальной системе оценки качества образования"

HOME_TEXT = (
    "<p>На этой странице управление образования публикует сведения о муниципальной системе "
    "управления качеством образования: направления и их показатели, мероприятия дорожных карт, "
    "результаты оценки механизмов управления и аналитические справки.</p>"
    "<p>Сведения обновляются после каждого цикла мониторинга. Открытые данные доступны для "
    "скачивания в форматах CSV и JSON.</p>"
)
DIRECTION_TEXT = (
    "<p>Направление «{name}» входит в муниципальную систему управления качеством образования. "
    "Ниже приведены цель направления, ответственные, документы, показатели с их динамикой, "
    "мероприятия дорожной карты и индекс сформированности управленческого цикла.</p>"
)
FREE_TEXT = (
    "<h2>Что такое МСОКО</h2>"
    "<p>Муниципальная система оценки качества образования — совокупность направлений, показателей "
    "и процедур, по которым управление образования оценивает качество подготовки обучающихся и "
    "качество образовательной деятельности, анализирует результаты и принимает управленческие "
    "решения.</p>"
    "<h2>Управленческий цикл</h2>"
    "<ol><li>Цели и задачи.</li><li>Показатели и методы сбора информации.</li><li>Мониторинг.</li>"
    "<li>Анализ и адресные рекомендации.</li><li>Меры и управленческие решения.</li>"
    "<li>Анализ эффективности принятых мер.</li></ol>"
    "<p>Нормативные документы системы перечислены ниже.</p>"
)
# Indicators whose organizations' values the demo publishes (by municipality and code).
OPEN_ORGANIZATION_VALUES = {"ishimbay": "2.3.1", "amursk": "П29"}


@transaction.atomic
def load() -> None:
    slugs = [data["slug"] for data in MUNICIPALITIES]
    for municipality in Municipality.objects.filter(slug__in=slugs).order_by("slug"):
        _load_municipality(municipality)


def _load_municipality(municipality: Municipality) -> None:
    operator = User.objects.get(username=f"{municipality.slug}-operator")
    _open_indicators(municipality)
    pages = public.pages_ensure(municipality)
    draft = DRAFT_PAGES.get(municipality.slug)
    for page in pages:
        if page.kind != PublicPage.Kind.DIRECTION or page.versions.exists():
            continue
        if not page.body:
            public.page_save(
                page,
                user=operator,
                title=page.title,
                body=DIRECTION_TEXT.format(name=page.direction.name),
            )
        if page.slug != draft:
            public.publish(page, user=operator)
    _free_page(municipality, operator)
    home = next(page for page in pages if page.kind == PublicPage.Kind.HOME)
    if not home.versions.exists():
        public.page_save(home, user=operator, title=home.title, body=HOME_TEXT)
        public.publish(home, user=operator)


def _open_indicators(municipality: Municipality) -> None:
    """The published indicators stay as the indicators' demo set them; one also shows its
    organizations' values."""
    code = OPEN_ORGANIZATION_VALUES.get(municipality.slug)
    indicator = Indicator.objects.filter(municipality=municipality, code=code).first() if code else None
    if indicator is not None:
        upsert(Indicator, {"pk": indicator.pk}, {"is_published": True, "publish_organization_values": True})


def _free_page(municipality: Municipality, operator: User) -> None:
    page = PublicPage.objects.filter(municipality=municipality, slug=FREE_SLUG).first()
    if page is not None and page.versions.exists():
        return
    if page is None:
        last = PublicPage.objects.filter(municipality=municipality).order_by("-order").first()
        page = PublicPage(
            municipality=municipality,
            kind=PublicPage.Kind.FREE,
            order=(last.order + 1) if last else 0,
        )
    documents = list(Document.objects.filter(municipality=municipality, organization=None))
    public.page_save(
        page, user=operator, title=FREE_TITLE, body=FREE_TEXT, slug=FREE_SLUG, documents=documents
    )
    public.publish(page, user=operator)
