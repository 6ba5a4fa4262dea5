"""Run ``localstripe`` (a Stripe stand-in, GPL, development and tests only) safely:
bound to 127.0.0.1 on a free port (or ``--port``), its store kept in memory only
(it would otherwise pickle every object to /tmp/localstripe.pickle and listen on all
interfaces). Prints ``LOCALSTRIPE_PORT=<port>`` once it listens.

    .venv/bin/python -m tests.stripe_standin [--port 8420]
"""
import argparse
import socket


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe import resources, server

    # In memory only: never read or write the shared pickle file in the temp folder.
    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", args.port))
    print(f"LOCALSTRIPE_PORT={sock.getsockname()[1]}", flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
