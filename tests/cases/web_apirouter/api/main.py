from fastapi import FastAPI

from api.items import router

app = FastAPI()
app.include_router(router)
