use super::CharmCtx;
use super::bindings::juju::charm::bindings::{self, Address, BindAddress, Network};
use super::validate::check_endpoint;
use crate::error::HostError;

impl bindings::Host for CharmCtx<'_> {
    fn get(&mut self, binding: String, relation_id: Option<u32>) -> Result<Network, HostError> {
        let info = self
            .backend()?
            .network_get(check_endpoint(&binding)?, relation_id)?;
        Ok(Network {
            bind_addresses: info
                .bind_addresses
                .into_iter()
                .map(|b| BindAddress {
                    interface_name: b.interface_name,
                    mac_address: b.mac_address,
                    addresses: b
                        .addresses
                        .into_iter()
                        .map(|a| Address {
                            value: a.value,
                            cidr: a.cidr,
                            hostname: a.hostname,
                        })
                        .collect(),
                })
                .collect(),
            ingress_addresses: info.ingress_addresses,
            egress_subnets: info.egress_subnets,
        })
    }
}
