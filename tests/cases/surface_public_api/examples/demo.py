from weather import fetch_forecast

print(fetch_forecast())
