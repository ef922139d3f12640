//! Host bindings generated from the `wit/` contract.
//!
//! Every import is trappable: a host function returns either the contract's `error` (through
//! [`crate::error::HostError`]) or traps when the host itself cannot go on.
//!
//! The types derive serde only so a value of an interface 0.1.0 shares with this version can
//! cross between the two versions' generated types (`super::v0_1`).

// Generated code: its documentation is the WIT's, which bindgen does not carry to every item.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "charm",
    path: "../../wit",
    imports: { default: trappable },
    trappable_error_type: { "juju:charm/types.error" => crate::error::HostError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});
