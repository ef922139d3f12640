//! The addresses of this unit's bindings (`network-get`): where to listen for a relation and
//! what address to give the other side.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! let network = juju_charm::binding::network("database")?;
//! let address = network.ingress_address().unwrap_or("unknown");
//! # let _ = address; Ok(()) }
//! ```

use crate::bindings::juju::charm::bindings as wit;
use crate::error::Result;

pub use wit::{Address, BindAddress};

/// A binding's network.
#[derive(Debug, Clone)]
pub struct Network {
    /// The interfaces and addresses to listen on.
    pub bind_addresses: Vec<BindAddress>,
    /// The addresses to give the other side, preferred first.
    pub ingress_addresses: Vec<String>,
    /// The subnets this unit's traffic comes from.
    pub egress_subnets: Vec<String>,
}

impl Network {
    /// The address to give the other side, if Juju knows one.
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }

    /// The address to listen on, if Juju knows one.
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .iter()
            .flat_map(|b| &b.addresses)
            .map(|a| a.value.as_str())
            .next()
    }
}

fn from_wit(n: wit::Network) -> Network {
    Network {
        bind_addresses: n.bind_addresses,
        ingress_addresses: n.ingress_addresses,
        egress_subnets: n.egress_subnets,
    }
}

/// The network of `binding` (an endpoint or extra binding of `metadata.yaml`).
pub fn network(binding: &str) -> Result<Network> {
    Ok(from_wit(wit::get(binding, None)?))
}

/// The network of `binding` as seen from relation `relation_id` (its ingress may differ, e.g.
/// across models).
pub fn network_for(binding: &str, relation_id: u32) -> Result<Network> {
    Ok(from_wit(wit::get(binding, Some(relation_id))?))
}
