from fastapi import FastAPI

from intel.web.routes import hunt, models

app = FastAPI(title="intel")
app.include_router(models.router)
app.include_router(hunt.router)
