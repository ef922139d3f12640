//! Host bindings generated from the `wit/` contract.
//!
//! Every import is trappable: a host function returns either the contract's `error` (through
//! [`crate::error::HostError`]) or traps when the host itself cannot go on.

// Generated code: its documentation is the WIT's, which bindgen does not carry to every item.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "charm",
    path: "../../wit",
    imports: { default: trappable },
    trappable_error_type: { "juju:charm/types.error" => crate::error::HostError },
});
