from site_app.views import app

application = app
