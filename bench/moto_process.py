"""Run moto's S3 server (ThreadedMotoServer) in a process of its own until it is stopped.

A separate process keeps the store's work off the bench's own interpreter, so the floor and
our ingest meet the same server under the same conditions.
"""

import argparse
import signal
import threading

from moto.server import ThreadedMotoServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
