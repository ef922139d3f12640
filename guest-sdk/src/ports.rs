//! The ports this unit opens in its firewall (`open-port`, `close-port`, `opened-ports`).
//! Changes take effect when the hook succeeds.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! // Serve on the configured port, and on no other.
//! juju_charm::ports::set_tcp(8080)?;
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::ports as wit;
use crate::error::Result;

pub use wit::{PortRange, Span};

/// One TCP port.
pub fn tcp(port: u16) -> PortRange {
    PortRange::Tcp(Span {
        first: port,
        last: port,
    })
}

/// A range open on this unit, with the endpoints it is open for (empty: all).
#[derive(Debug, Clone)]
pub struct Opened {
    /// The range.
    pub ports: PortRange,
    /// Its endpoints; empty for every endpoint.
    pub endpoints: Vec<String>,
}

/// Opens `ports` for every endpoint.
pub fn open(ports: PortRange) -> Result<()> {
    Ok(wit::open(ports, &[])?)
}

/// Closes `ports` for every endpoint.
pub fn close(ports: PortRange) -> Result<()> {
    Ok(wit::close(ports, &[])?)
}

/// Opens `ports` for these endpoints only.
pub fn open_for(ports: PortRange, endpoints: &[String]) -> Result<()> {
    Ok(wit::open(ports, endpoints)?)
}

/// What this unit has open, with this hook's changes.
pub fn opened() -> Result<Vec<Opened>> {
    Ok(wit::opened()?
        .into_iter()
        .map(|o| Opened {
            ports: o.ports,
            endpoints: o.endpoints,
        })
        .collect())
}

/// Makes `port` the only TCP port this unit has open: closes the others first (so a grant of
/// one open port at a time holds), then opens it if it is not open.
pub fn set_tcp(port: u16) -> Result<()> {
    let mut open_already = false;
    for o in opened()? {
        match o.ports {
            PortRange::Tcp(span) if span.first == port && span.last == port => {
                open_already = true;
            }
            PortRange::Tcp(_) => wit::close(o.ports, &o.endpoints)?,
            _ => {}
        }
    }
    if !open_already {
        open(tcp(port))?;
    }
    Ok(())
}
