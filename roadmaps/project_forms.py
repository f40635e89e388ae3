"""The form of a municipal project's passport. Choices are the project's municipality's own; the
leader, deputies, executors and co-executors are typed as the passport writes them, one a line."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators.models import Indicator
from mcok.models import Document, Municipality, Official
from mcok.params import BoundedTexts
from roadmaps.models import MunicipalProject, ProjectParticipant, RegionalProject, Roadmap
from roadmaps.projects import PassportInput, lines
from roadmaps.roadmap_forms import MAX_LINES, MAX_YEAR, MIN_YEAR

LINES_HELP = _("One a line, as the passport writes them.")


def _lines_field(label, help_text=LINES_HELP, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class ProjectForm(BoundedTexts, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    start_year = forms.IntegerField(
        label=_("From year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    end_year = forms.IntegerField(label=_("To year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    leader = forms.ModelChoiceField(
        label=_("Project leader"), queryset=Official.objects.none(), required=False
    )
    leader_text = forms.CharField(
        label=_("Project leader, as written"),
        max_length=1000,
        required=False,
        help_text=_("As the passport writes it."),
    )
    deputies = _lines_field(_("Deputy leaders of the project"))
    executors = _lines_field(_("Executors of the project"), rows=6)
    co_executors = _lines_field(_("Co-executors, participants of the project"))
    basis = forms.CharField(
        label=_("Grounds for the project"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    goal = forms.CharField(label=_("Goal"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tasks = _lines_field(_("Tasks"), _("One task a line, in their order."))
    events_text = forms.CharField(
        label=_("Main events"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    risks = _lines_field(_("Main risks"), _("One risk a line."))
    effects = _lines_field(_("Effects"), _("One effect a line."), rows=6)
    regional_project = forms.ModelChoiceField(
        label=_("Regional project"), queryset=RegionalProject.objects.none(), required=False
    )
    roadmap = forms.ModelChoiceField(label=_("Roadmap"), queryset=Roadmap.objects.none(), required=False)
    document = forms.ModelChoiceField(
        label=_("Approving document"), queryset=Document.objects.none(), required=False
    )
    directions = forms.ModelMultipleChoiceField(
        label=_("Directions it serves"), queryset=Direction.objects.none(), required=False
    )
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators"), queryset=Indicator.objects.none(), required=False
    )

    def __init__(self, *args, municipality: Municipality, project: MunicipalProject | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Official.objects.filter(municipality=municipality, is_active=True)
        self.fields["regional_project"].queryset = RegionalProject.objects.filter(
            region=municipality.region
        ).order_by("order", "name")
        self.fields["roadmap"].queryset = Roadmap.objects.filter(municipality=municipality).order_by("title")
        self.fields["document"].queryset = Document.objects.filter(municipality=municipality).order_by(
            "-date", "title"
        )
        self.fields["directions"].queryset = Direction.objects.filter(municipality=municipality).order_by(
            "code", "pk"
        )
        self.fields["indicators"].queryset = Indicator.objects.filter(municipality=municipality).order_by(
            "code"
        )
        if project is not None and not self.is_bound:
            participants = {role: [] for role in ProjectParticipant.Role.values}
            for participant in project.participants.order_by("order", "pk"):
                participants[participant.role].append(participant.name)
            self.initial.update(
                {
                    "title": project.title,
                    "start_year": project.start_year,
                    "end_year": project.end_year,
                    "leader": project.leader_id,
                    "leader_text": project.leader_text,
                    "deputies": "\n".join(participants["deputy"]),
                    "executors": "\n".join(participants["executor"]),
                    "co_executors": "\n".join(participants["co_executor"]),
                    "basis": project.basis,
                    "goal": project.goal,
                    "tasks": "\n".join(project.tasks or []),
                    "events_text": project.events_text,
                    "risks": "\n".join(project.risks or []),
                    "effects": "\n".join(project.effects or []),
                    "regional_project": project.regional_project_id,
                    "roadmap": project.roadmap_id,
                    "document": project.document_id,
                    "directions": list(project.directions.values_list("pk", flat=True)),
                    "indicators": list(project.indicators.values_list("pk", flat=True)),
                }
            )

    def _list(self, name: str) -> list[str]:
        found = lines(self.cleaned_data.get(name) or "")
        if len(found) > MAX_LINES:
            raise ValidationError(_("At most %(count)s lines."), params={"count": MAX_LINES})
        return found

    def clean_deputies(self):
        return self._list("deputies")

    def clean_executors(self):
        return self._list("executors")

    def clean_co_executors(self):
        return self._list("co_executors")

    def clean_tasks(self):
        return self._list("tasks")

    def clean_risks(self):
        return self._list("risks")

    def clean_effects(self):
        return self._list("effects")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The project's last year comes before its first year."))
        return data

    def passport_input(self) -> PassportInput:
        data = self.cleaned_data
        return PassportInput(
            title=data["title"],
            start_year=data.get("start_year"),
            end_year=data.get("end_year"),
            leader=data.get("leader"),
            leader_text=data.get("leader_text") or "",
            basis=data.get("basis") or "",
            goal=data.get("goal") or "",
            tasks=data["tasks"],
            events_text=data.get("events_text") or "",
            risks=data["risks"],
            effects=data["effects"],
            regional_project=data.get("regional_project"),
            roadmap=data.get("roadmap"),
            document=data.get("document"),
            indicators=list(data.get("indicators") or []),
            directions=list(data.get("directions") or []),
            deputies=data["deputies"],
            executors=data["executors"],
            co_executors=data["co_executors"],
        )
