from reports import open_views

app_name = "open"

# The public tab: what anonymous visitors read at /open/<municipality>/.
urlpatterns = [*open_views.urlpatterns]
