from django.urls import path

from mcok import account_views, audit_views, views

app_name = "mcok"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("officials/", views.official_list, name="officials"),
    path("officials/<int:pk>/", views.official_detail, name="official"),
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:pk>/file/", views.document_file, name="document_file"),
    *audit_views.urlpatterns,
    *account_views.urlpatterns,
]
