from roadmaps import (
    effectiveness_views,
    group_views,
    import_views,
    instruction_views,
    project_views,
    recommendation_views,
    roadmap_views,
)

app_name = "roadmaps"

# Each view module keeps its own routes: roadmaps and their events, the import of Word and XLSX
# roadmaps, project groups and meetings, recommendations and decisions, the analysis of a direction's
# measures, municipal projects and their passports, the instructions of orders and meetings.
urlpatterns = [
    *roadmap_views.urlpatterns,
    *import_views.urlpatterns,
    *group_views.urlpatterns,
    *recommendation_views.urlpatterns,
    *effectiveness_views.urlpatterns,
    *project_views.urlpatterns,
    *instruction_views.urlpatterns,
]
