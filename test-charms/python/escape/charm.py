"""Tries what a Python charm must not be able to do under charm-host, and logs what happened."""

import os
import socket

import wit_world
from wit_world.imports import logging


def attempt(what, action):
    try:
        action()
        outcome = "allowed"
    except Exception as e:  # any refusal will do; the point is that it is refused
        outcome = f"refused ({type(e).__name__})"
    logging.log(logging.Level.INFO, f"{what}: {outcome}")


def read_file():
    with open("/etc/hostname") as f:
        f.read()


def connect():
    with socket.create_connection(("127.0.0.1", 22), timeout=1):
        pass


def list_directory():
    os.listdir("/")


class WitWorld(wit_world.WitWorld):
    def handle(self, event) -> None:
        attempt("read a file", read_file)
        attempt("list a directory", list_directory)
        attempt("open a socket", connect)
        logging.log(logging.Level.INFO, f"environment: {len(os.environ)} variables")
