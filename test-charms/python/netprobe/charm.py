"""On `install`, sends `ping` to the configured host and port through juju:charm/network and
logs the reply, or why the host refused. Calls the generated bindings directly (no helper)."""

import wit_world
from componentize_py_types import Err
from wit_world.imports import config, logging, network


def case(error) -> str:
    """The contract error's case, kebab-case: `Error_DeniedByPolicy` is `denied-by-policy`."""
    name = type(error).__name__.removeprefix("Error_")
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def probe() -> str:
    options = {name: value.value for name, value in config.get_all()}
    host = options.get("host", "localhost")
    port = options.get("port", 41000)
    with network.connect(host, port) as stream:
        stream.write(b"ping")
        stream.shutdown()
        reply = b""
        while True:
            chunk = stream.read(4096)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8", errors="replace")


class WitWorld(wit_world.WitWorld):
    def handle(self, event) -> None:
        if event.hook_name != "install":
            return
        try:
            message = f"reply: {probe()}"
        except Err as e:
            message = f"refused: {case(e.value)}: {e.value.value}"
        logging.log(logging.Level.INFO, message)
