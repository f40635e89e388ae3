from reports import dashboard_views, report_views, site_views

app_name = "reports"

# Each view module keeps its own routes: analytic reports and their files, the dashboard, and the
# operator's side of the public tab.
urlpatterns = [
    *report_views.urlpatterns,
    *dashboard_views.urlpatterns,
    *site_views.urlpatterns,
]
