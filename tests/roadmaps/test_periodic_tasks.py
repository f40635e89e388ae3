"""A periodic task is declared where it lives: each app's tasks.py lists its PERIODIC_TASKS, and beat's
schedule (config.settings.CELERY_BEAT_SCHEDULE) holds exactly those, so a reminder can never again be
written and never run. Every other task of an app is named in its ON_DEMAND_TASKS (rung by code)."""

import importlib

import pytest
from celery import Task
from django.apps import apps
from django.conf import settings

from config.celery import app as celery_app


def _task_modules():
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.tasks"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.tasks":
                raise
    return [m for m in modules if not m.__name__.startswith(("django", "celery", "rest_framework"))]


def _ours():
    return [
        m
        for m in _task_modules()
        if m.__name__.split(".")[0]
        in {"mcok", "directions", "indicators", "monitoring", "roadmaps", "reports"}
    ]


def test_every_app_with_tasks_declares_its_periodic_ones():
    modules = _ours()
    assert {m.__name__ for m in modules} >= {"roadmaps.tasks", "mcok.tasks", "monitoring.tasks"}
    for module in modules:
        assert isinstance(getattr(module, "PERIODIC_TASKS", None), list), module.__name__
        assert isinstance(getattr(module, "ON_DEMAND_TASKS", None), list), module.__name__


def test_beat_schedule_holds_exactly_the_declared_periodic_tasks():
    declared = {}
    for module in _ours():
        for entry in module.PERIODIC_TASKS:
            assert entry["name"] not in declared, f"{entry['name']} is declared twice"
            assert entry["task"].startswith(module.__name__ + "."), entry
            declared[entry["name"]] = {"task": entry["task"], "schedule": entry["schedule"]}
    schedule = {
        name: {"task": entry["task"], "schedule": entry["schedule"]}
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }
    assert set(schedule) - set(declared) == set(), "in the schedule but declared by no app"
    assert set(declared) - set(schedule) == set(), "declared by an app but never run by beat"
    assert schedule == declared


def test_every_task_is_either_periodic_or_rung_on_demand():
    for module in _ours():
        tasks = {
            value.name
            for value in vars(module).values()
            if isinstance(value, Task) and value.name.startswith(module.__name__ + ".")
        }
        periodic = {entry["task"] for entry in module.PERIODIC_TASKS}
        on_demand = set(module.ON_DEMAND_TASKS)
        assert not periodic & on_demand, module.__name__
        assert tasks == periodic | on_demand, (
            f"{module.__name__}: a task neither in PERIODIC_TASKS nor in ON_DEMAND_TASKS is never run"
        )
        for name in periodic | on_demand:
            assert name in celery_app.tasks, name


def test_the_monthly_meeting_reminder_is_in_beat():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "roadmaps.tasks.meeting_remind" in tasks
    assert "roadmaps.tasks.overdue_remind" in tasks


@pytest.mark.parametrize("broken", ["missing", "extra"])
def test_the_comparison_fails_on_a_forgotten_or_stray_entry(broken, monkeypatch):
    """The check above can fail: a task declared and not scheduled (or the reverse) is caught."""
    from roadmaps import tasks

    if broken == "missing":
        monkeypatch.setattr(
            tasks,
            "PERIODIC_TASKS",
            [
                *tasks.PERIODIC_TASKS,
                {"name": "never-run", "task": "roadmaps.tasks.meeting_remind", "schedule": 1.0},
            ],
        )
    else:
        monkeypatch.setitem(
            settings.CELERY_BEAT_SCHEDULE, "stray", {"task": "roadmaps.tasks.x", "schedule": 1.0}
        )
    with pytest.raises(AssertionError):
        test_beat_schedule_holds_exactly_the_declared_periodic_tasks()
