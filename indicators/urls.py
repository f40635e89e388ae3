from django.urls import path

from indicators import import_views, views

app_name = "indicators"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.indicator_new, name="indicator_new"),
    path("<int:pk>/", views.indicator_detail, name="indicator"),
    path("<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("<int:pk>/target/", views.target_set, name="target_set"),
    path("elements/", views.element_list, name="elements"),
    path("elements/new/", views.element_new, name="element_new"),
    path("values/", views.values_entry, name="values"),
    path("values/import/", import_views.data_values_import, name="values_import"),
]
