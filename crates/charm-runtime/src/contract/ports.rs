use juju_hookcmds::ports::{OpenedPort, PortRange, Protocol};

use super::CharmCtx;
use super::bindings::juju::charm::ports::{self, OpenedPort as WitOpened, PortRange as Wit, Span};
use super::validate::check_endpoint;
use crate::error::HostError;

/// The contract's range in Juju's vocabulary; a span running backwards is refused.
fn range(ports: Wit) -> Result<PortRange, HostError> {
    let (protocol, span) = match ports {
        Wit::Tcp(span) => (Protocol::Tcp, span),
        Wit::Udp(span) => (Protocol::Udp, span),
        Wit::Icmp => return Ok(PortRange::ICMP),
    };
    if span.first > span.last {
        return Err(HostError::InvalidArgument(format!(
            "port range {}-{} not valid: the first port is after the last",
            span.first, span.last
        )));
    }
    Ok(PortRange {
        protocol,
        from: span.first,
        to: span.last,
    })
}

/// Endpoint names: each a valid endpoint name (so none holds the `,` that separates them).
fn endpoints(names: &[String]) -> Result<(), HostError> {
    names.iter().try_for_each(|n| check_endpoint(n).map(|_| ()))
}

fn to_wit(port: OpenedPort) -> WitOpened {
    let span = Span {
        first: port.range.from,
        last: port.range.to,
    };
    WitOpened {
        ports: match port.range.protocol {
            Protocol::Tcp => Wit::Tcp(span),
            Protocol::Udp => Wit::Udp(span),
            Protocol::Icmp => Wit::Icmp,
        },
        endpoints: port.endpoints,
    }
}

impl ports::Host for CharmCtx<'_> {
    fn open(&mut self, ports: Wit, names: Vec<String>) -> Result<(), HostError> {
        let range = range(ports)?;
        endpoints(&names)?;
        self.backend()?.open_port(&range, &names)
    }

    fn close(&mut self, ports: Wit, names: Vec<String>) -> Result<(), HostError> {
        let range = range(ports)?;
        endpoints(&names)?;
        self.backend()?.close_port(&range, &names)
    }

    fn opened(&mut self) -> Result<Vec<WitOpened>, HostError> {
        Ok(self
            .backend()?
            .opened_ports()?
            .into_iter()
            .map(to_wit)
            .collect())
    }
}
