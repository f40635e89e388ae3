"""The documents of a component of the cycle — approved concepts, orders, regulations: attached by
those who write the component until it is approved and by its coordinators until it is published,
as a file, a link, an order cited by number, or one of the department's documents already in the
portal; shown on the component, in the dossier and by the API."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directions.models import Component, Cycle, CycleComponent
from mcok.models import Document
from tests.factories import make_document, make_year

State = CycleComponent.State


def make_component(direction, state=State.NOT_STARTED, component=Component.GOALS) -> CycleComponent:
    cycle, _created = Cycle.objects.get_or_create(direction=direction, period=make_year(2025))
    return CycleComponent.objects.create(cycle=cycle, component=component, state=state)


def attach_url(item) -> str:
    return reverse("directions:component_document_attach", args=[item.pk])


def test_the_executor_attaches_a_link_and_the_page_and_dossier_show_it(world, client):
    item = make_component(world.direction)
    client.force_login(world.executor)
    response = client.post(
        attach_url(item),
        {"title": "Концепция МСОКО", "kind": "regulation", "url": "https://uo.example.ru/concept.pdf"},
        follow=True,
    )
    assert response.status_code == 200
    [document] = item.documents.all()
    assert (document.title, document.kind, document.municipality) == (
        "Концепция МСОКО",
        Document.Kind.REGULATION,
        world.municipality,
    )
    assert "Документ «Концепция МСОКО» прикреплён." in response.content.decode()
    dossier = client.get(f"{world.direction.get_absolute_url()}?period=2025").content.decode()
    assert "https://uo.example.ru/concept.pdf" in dossier


def test_a_file_is_stored_and_a_forbidden_type_is_refused_in_russian(world, client):
    item = make_component(world.direction)
    client.force_login(world.executor)
    pdf = SimpleUploadedFile("prikaz.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(attach_url(item), {"title": "Приказ об утверждении концепции", "kind": "order", "file": pdf})
    [document] = item.documents.all()
    assert document.file.name.endswith(".pdf")

    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        attach_url(item), {"title": "Программа", "kind": "other", "file": bad}, follow=True
    )
    assert item.documents.count() == 1
    assert "Расширение файлов “exe” не поддерживается" in response.content.decode()


def test_a_new_document_needs_a_file_a_link_or_a_number(world, client):
    item = make_component(world.direction)
    client.force_login(world.executor)
    response = client.post(attach_url(item), {"title": "Без ничего", "kind": "order"}, follow=True)
    assert item.documents.count() == 0
    assert "Загрузите файл, дайте ссылку или хотя бы номер приказа." in response.content.decode()
    client.post(attach_url(item), {"title": "Приказ", "kind": "order", "number": "1048"})
    assert item.documents.get().reference.startswith("Приказ №1048") or item.documents.get().number == "1048"


def test_a_document_of_the_portal_is_attached_but_not_another_municipality_s(world, client):
    item = make_component(world.direction)
    own = make_document(world.municipality, title="Положение о МСОКО")
    foreign = make_document(world.elsewhere, title="Чужое положение")
    client.force_login(world.executor)
    client.post(attach_url(item), {"existing": foreign.pk, "kind": "order"})
    assert item.documents.count() == 0
    client.post(attach_url(item), {"existing": own.pk, "kind": "order"})
    assert list(item.documents.all()) == [own]


def test_after_approval_only_the_coordinator_attaches_and_after_publication_nobody(world, client):
    item = make_component(world.direction, state=State.APPROVED)
    data = {"title": "Приказ об утверждении", "kind": "order", "number": "12"}
    client.force_login(world.executor)
    assert client.post(attach_url(item), data).status_code == 403
    client.force_login(world.coordinator)
    client.post(attach_url(item), data)
    assert item.documents.count() == 1
    CycleComponent.objects.filter(pk=item.pk).update(state=State.PUBLISHED)
    assert client.post(attach_url(item), {**data, "number": "13"}).status_code == 403
    document = item.documents.get()
    detach = reverse("directions:component_document_detach", args=[item.pk, document.pk])
    assert client.post(detach).status_code == 403
    assert item.documents.count() == 1


def test_the_coordinator_of_another_direction_and_an_outsider_attach_nothing(world, client):
    item = make_component(world.direction)
    data = {"title": "Приказ", "kind": "order", "number": "1"}
    client.force_login(world.other_coordinator)
    assert client.post(attach_url(item), data).status_code == 403
    client.force_login(world.outsider)
    assert client.post(attach_url(item), data).status_code == 404
    assert item.documents.count() == 0


def test_detaching_keeps_the_document_in_the_portal(world, client):
    item = make_component(world.direction)
    document = make_document(world.municipality)
    item.documents.add(document)
    client.force_login(world.executor)
    response = client.post(reverse("directions:component_document_detach", args=[item.pk, document.pk]))
    assert response.status_code == 302
    assert item.documents.count() == 0 and Document.objects.filter(pk=document.pk).exists()


def test_the_api_lists_the_component_s_documents(world, client):
    item = make_component(world.direction)
    item.documents.add(make_document(world.municipality, title="Концепция", url="https://example.ru/k"))
    client.force_login(world.coordinator)
    data = client.get(reverse("api:cycle-component-detail", args=[item.pk])).json()
    assert [(row["title"], row["url"]) for row in data["documents"]] == [
        ("Концепция", "https://example.ru/k")
    ]
