from django.urls import path

from directions import evaluation_urls, views

app_name = "directions"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("card/", views.technology_card, name="card"),
    path("<int:pk>/", views.direction_detail, name="direction"),
    path("<int:pk>/open/", views.cycle_open, name="cycle_open"),
    path("components/<int:pk>/", views.component_detail, name="component"),
    path("components/<int:pk>/move/", views.component_move, name="component_move"),
    path("components/<int:pk>/documents/", views.component_document_attach, name="component_document_attach"),
    path(
        "components/<int:pk>/documents/<int:document_id>/detach/",
        views.component_document_detach,
        name="component_document_detach",
    ),
]

urlpatterns += evaluation_urls.urlpatterns

# The assignments of the directions (закрепление) and the import of the order's table.
from directions import responsibility_views  # noqa: E402

urlpatterns += [
    path("responsibilities/<slug:slug>/", responsibility_views.responsibilities, name="responsibilities"),
    path(
        "responsibilities/<slug:slug>/add/",
        responsibility_views.responsibility_add,
        name="responsibility_add",
    ),
    path(
        "responsibilities/<slug:slug>/import/",
        responsibility_views.responsibilities_import,
        name="responsibilities_import",
    ),
    path(
        "responsibility/<int:pk>/edit/", responsibility_views.responsibility_edit, name="responsibility_edit"
    ),
    path("responsibility/<int:pk>/end/", responsibility_views.responsibility_end, name="responsibility_end"),
    path(
        "responsibility/<int:pk>/transfer/",
        responsibility_views.responsibility_transfer,
        name="responsibility_transfer",
    ),
    path(
        "responsibility/<int:pk>/delete/",
        responsibility_views.responsibility_delete,
        name="responsibility_delete",
    ),
]
