#!/usr/bin/env python3
"""Forward 127.0.0.1:PORT to a Unix socket, for HTTP tools that speak only TCP (schemathesis).

Usage: unix-bridge.py PORT SOCKET. Loopback only; one task per connection; exits on SIGTERM.
"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(port, socket_path):
    async def handle(client_reader, client_writer):
        try:
            daemon_reader, daemon_writer = await asyncio.open_unix_connection(socket_path)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, daemon_writer), pipe(daemon_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(f"bridging 127.0.0.1:{port} to {socket_path}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
