"""asyncio streams: ``reader.read(65536)`` / ``writer.write`` / ``await writer.drain()``.

Prints ``READY <port>`` once listening on 127.0.0.1 (port from argv[1], default any).
"""
import asyncio
import sys


async def handle(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = await asyncio.start_server(handle, '127.0.0.1', port)
    print(f'READY {server.sockets[0].getsockname()[1]}', flush=True)
    await server.serve_forever()


asyncio.run(main())
