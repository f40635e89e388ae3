from reports import open_views
from roadmaps import project_open_views

app_name = "open"

# The public tab: what anonymous visitors read at /open/<municipality>/; the published municipal
# projects' addresses come first, before the tab's own pages.
urlpatterns = [*project_open_views.urlpatterns, *open_views.urlpatterns]
