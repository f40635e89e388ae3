"""The evaluation pages, included by directions/urls.py under the "directions" namespace."""

from django.urls import path

from directions import evaluation_exports
from directions import evaluation_views as views

urlpatterns = [
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/open/", views.evaluation_open, name="evaluation_open"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/partial/", views.evaluation_partial, name="evaluation_partial"),
    path("evaluations/<int:pk>/finish/", views.evaluation_finish, name="evaluation_finish"),
    path("evaluations/<int:pk>/results/", views.evaluation_results, name="evaluation_results"),
    path(
        "evaluations/<int:pk>/results.xlsx",
        evaluation_exports.evaluation_xlsx,
        name="evaluation_results_xlsx",
    ),
    path("evaluations/<int:pk>/proposals/accept/", views.proposal_accept, name="proposal_accept"),
    path(
        "evaluations/<int:pk>/proposals/accept-all/", views.proposals_accept_all, name="proposals_accept_all"
    ),
    path("positions/", views.position_list, name="positions"),
    path("positions/add/", views.position_add, name="position_add"),
    path("positions/<int:pk>/edit/", views.position_edit, name="position_edit"),
    path("positions/<int:pk>/rule/", views.position_rule, name="position_rule"),
    path("positions/import/", views.positions_import, name="positions_import"),
    path("positions/import/confirm/", views.positions_import_confirm, name="positions_import_confirm"),
]
