"""`run_forever()` on receivers that are not proven event loops: websockets, servers, parameters."""

import asyncio

import websocket  # websocket-client


def on_message(ws, message: str) -> None:
    print(message)


def listen(url: str) -> None:
    ws = websocket.WebSocketApp(url, on_message=on_message)
    ws.run_forever(reconnect=5)


class Daemon:
    def __init__(self, server) -> None:
        self.server = server

    def serve(self) -> None:
        self.server.serve_forever()
        self.server.run_forever()


async def main() -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, listen, "wss://example.org/feed")


if __name__ == "__main__":
    asyncio.run(main())  # expect: LS100 entrypoint ok
