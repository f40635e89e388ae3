from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from directions import api as directions_api
from indicators import api as indicators_api
from mcok import api as mcok_api
from mcok import views as mcok_views
from monitoring import api as monitoring_api
from roadmaps import api_groups, api_instructions, api_projects, api_recommendations, api_roadmaps

router = DefaultRouter()
router.register("municipalities", mcok_api.MunicipalityViewSet, basename="municipality")
router.register("organizations", mcok_api.OrganizationViewSet, basename="organization")
router.register("officials", mcok_api.OfficialViewSet, basename="official")
router.register("periods", mcok_api.PeriodViewSet, basename="period")
router.register("documents", mcok_api.DocumentViewSet, basename="document")
router.register("directions", directions_api.DirectionViewSet, basename="direction")
router.register("cycles", directions_api.CycleViewSet, basename="cycle")
router.register("cycle-components", directions_api.CycleComponentViewSet, basename="cycle-component")
router.register("evaluation-positions", directions_api.PositionViewSet, basename="evaluation-position")
router.register("evaluations", directions_api.EvaluationViewSet, basename="evaluation")
router.register("scores", directions_api.ScoreViewSet, basename="score")
router.register("data-elements", indicators_api.DataElementViewSet, basename="data-element")
router.register("indicators", indicators_api.IndicatorViewSet, basename="indicator")
router.register("data-values", indicators_api.DataValueViewSet, basename="data-value")
router.register("indicator-values", indicators_api.IndicatorValueViewSet, basename="indicator-value")
router.register("roadmaps", api_roadmaps.RoadmapViewSet, basename="roadmap")
router.register("roadmap-events", api_roadmaps.EventViewSet, basename="roadmap-event")
router.register("roadmap-occurrences", api_roadmaps.OccurrenceViewSet, basename="roadmap-occurrence")
router.register("project-groups", api_groups.ProjectGroupViewSet, basename="project-group")
router.register("meetings", api_groups.MeetingViewSet, basename="meeting")
router.register("recommendations", api_recommendations.RecommendationViewSet, basename="recommendation")
router.register("decisions", api_recommendations.DecisionViewSet, basename="decision")
router.register("municipal-projects", api_projects.MunicipalProjectViewSet, basename="municipal-project")
router.register("regional-projects", api_projects.RegionalProjectViewSet, basename="regional-project")
router.register("instructions", api_instructions.InstructionViewSet, basename="instruction")
router.register("forms", monitoring_api.FormViewSet, basename="form")
router.register("campaigns", monitoring_api.CampaignViewSet, basename="campaign")
router.register("submissions", monitoring_api.SubmissionViewSet, basename="submission")

api_urlpatterns = [
    path("", include(router.urls)),
    path("me/", mcok_api.MeApi.as_view(), name="me"),
    path("token/", mcok_api.TokenIssueApi.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("", mcok_views.root, name="root"),
    path("healthz", mcok_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include((api_urlpatterns, "api"))),
    path("directions/", include("directions.urls")),
    path("indicators/", include("indicators.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("reports/", include("reports.urls")),
    path("open/", include("reports.open_urls")),
    path("", include("mcok.urls")),
]
