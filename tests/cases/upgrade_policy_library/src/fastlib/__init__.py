"""Importing the library switches every later loop of the importer to uvloop."""

import asyncio

import uvloop

asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # expect: LS403 module-level fix
