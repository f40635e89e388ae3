from monitoring import builder_views, entry_views, review_views, transfer_views

app_name = "monitoring"

# Each view module keeps its own routes: the form builder, the school's side, the coordinator's
# side, and the files in and out (Google Forms import, XLSX templates, exports).
urlpatterns = [
    *builder_views.urlpatterns,
    *entry_views.urlpatterns,
    *review_views.urlpatterns,
    *transfer_views.urlpatterns,
]
