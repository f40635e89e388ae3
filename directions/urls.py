from django.urls import path

from directions import evaluation_urls, views

app_name = "directions"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("card/", views.technology_card, name="card"),
    path("<int:pk>/", views.direction_detail, name="direction"),
    path("<int:pk>/open/", views.cycle_open, name="cycle-open"),
    path("components/<int:pk>/", views.component_detail, name="component"),
    path("components/<int:pk>/move/", views.component_move, name="component-move"),
]

urlpatterns += evaluation_urls.urlpatterns
