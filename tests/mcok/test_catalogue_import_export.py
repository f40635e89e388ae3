"""The reference catalogues in the admin through django-import-export (mcok.catalogues): a round
trip, a bad row reported in Russian with nothing written, a formula-safe export, and a municipal
administrator's import limited to their municipality."""

import io

import pytest
import tablib
from django.urls import reverse
from openpyxl import load_workbook

from mcok.catalogues import SafeCSV, SafeXLSX
from mcok.models import Official, Organization, User
from mcok.resources import OfficialResource, OrganizationResource


@pytest.fixture
def administrator(world) -> User:
    world.administrator.is_staff = True
    world.administrator.save()
    return world.administrator


def csv_upload(text: str, encoding: str = "utf-8-sig") -> io.BytesIO:
    file = io.BytesIO(text.encode(encoding))
    file.name = "catalogue.csv"
    return file


def import_through_admin(client, model: str, file, *, confirm: bool = True):
    """The admin's import: the dry run, then (when it showed no error) the confirmation."""
    url = reverse(f"admin:mcok_{model}_import")
    formats = [SafeXLSX, SafeCSV]
    format_index = formats.index(SafeCSV if file.name.endswith(".csv") else SafeXLSX)
    response = client.post(url, {"format": format_index, "import_file": file, "resource": 0})
    assert response.status_code == 200
    if not confirm or "confirm_form" not in response.context:
        return response
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:mcok_{model}_process_import"), data)


def test_organizations_round_trip_through_the_admin(client, world, administrator):
    client.force_login(administrator)
    before = set(Organization.objects.values_list("short_name", flat=True))
    fields = list(OrganizationResource.Meta.fields)
    chosen = {f"organizationresource_{name}": "on" for name in fields}
    response = client.post(reverse("admin:mcok_organization_export"), {"format": 1, "resource": 0, **chosen})
    exported = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert world.school.short_name in exported and world.elsewhere_school.short_name not in exported
    added = (
        exported.rstrip("\r\n")
        + "\r\n"
        + ";".join(["ishim", "СОШ № 99", "Полное имя", "school", "rural", "0", "1", "1"])
        + "\r\n"
    )
    import_through_admin(client, "organization", csv_upload(added, "cp1251"))
    made = Organization.objects.get(short_name="СОШ № 99")
    assert made.municipality == world.municipality and made.locality == "rural" and made.low_results is False
    assert set(Organization.objects.values_list("short_name", flat=True)) == before | {"СОШ № 99"}


def test_a_bad_row_is_reported_in_russian_and_nothing_is_written(client, world, administrator):
    client.force_login(administrator)
    text = (
        "municipality;short_name;kind;low_results\r\n"
        "ishim;Новая школа;school;0\r\n"
        "ishim;Неверная школа;космодром;0\r\n"
    )
    response = import_through_admin(client, "organization", csv_upload(text))
    result = response.context["result"]
    assert result.has_validation_errors()
    messages = " ".join(
        str(message)
        for row in result.invalid_rows
        for messages in row.error_dict.values()
        for message in messages
    )
    assert "космодром" in messages and "допустим" in messages.lower()
    assert not Organization.objects.filter(short_name__in=["Новая школа", "Неверная школа"]).exists()


def test_a_municipal_administrator_imports_only_into_their_municipality(client, world, administrator):
    client.force_login(administrator)
    text = "municipality;short_name;kind\r\namur;Чужая школа;school\r\n;Своя школа;school\r\n"
    response = import_through_admin(client, "organization", csv_upload(text))
    result = response.context["result"]
    assert result.has_validation_errors()
    assert "amur" in " ".join(
        str(m) for row in result.invalid_rows for ms in row.error_dict.values() for m in ms
    )
    assert not Organization.objects.filter(short_name__in=["Чужая школа", "Своя школа"]).exists()
    # An empty municipality is the administrator's own.
    import_through_admin(
        client, "organization", csv_upload("municipality;short_name;kind\r\n;Своя школа;school\r\n")
    )
    assert Organization.objects.get(short_name="Своя школа").municipality == world.municipality


def test_an_unreadable_file_is_refused_in_russian(client, administrator):
    client.force_login(administrator)
    file = io.BytesIO(b"\x00\x01\x02 not a table")
    file.name = "catalogue.csv"
    response = import_through_admin(client, "organization", file, confirm=False)
    errors = " ".join(response.context["form"].errors["import_file"])
    assert "UTF-8" in errors and "Windows-1251" in errors


def test_the_export_is_formula_safe(world):
    Organization.objects.filter(pk=world.school.pk).update(full_name='=HYPERLINK("http://x")')
    resource = OrganizationResource(user=None)
    resource.administered = lambda: type(world.municipality).objects.all()
    dataset = resource.export()
    csv_text = SafeCSV().export_data(dataset).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    book = load_workbook(io.BytesIO(SafeXLSX().export_data(dataset)))
    cells = [cell for row in book.active.iter_rows() for cell in row if str(cell.value).startswith("=HYPER")]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_an_official_names_an_organization_of_the_same_municipality(world):
    resource = OfficialResource(user=None)
    resource.administered = lambda: type(world.municipality).objects.all()
    good = tablib.Dataset(headers=["municipality", "full_name", "position", "organization"])
    good.append(["ishim", "Иванова А.Б.", "директор", world.school.short_name])
    assert not resource.import_data(good, dry_run=False).has_validation_errors()
    assert Official.objects.get(full_name="Иванова А.Б.").organization == world.school
    bad = tablib.Dataset(headers=["municipality", "full_name", "position", "organization"])
    bad.append(["ishim", "Петров В.Г.", "учитель", world.elsewhere_school.short_name])
    assert resource.import_data(bad, dry_run=False).has_validation_errors()
    assert not Official.objects.filter(full_name="Петров В.Г.").exists()
