//! Enforcement at load: each interface a component imports must be granted something.

use std::fmt;

use super::Manifest;

/// Why a component would not run under a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// It imports a contract interface the manifest grants nothing of.
    NotGranted(String),
    /// It imports an interface this host does not provide at all.
    Unknown(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::NotGranted(name) => write!(
                f,
                "it imports {name}, but capabilities.yaml grants nothing of it"
            ),
            Mismatch::Unknown(name) => f.write_str(&crate::engine::not_provided(name)),
        }
    }
}

/// The mismatches between a component's imports and a manifest. The WASI interfaces the
/// sandbox provides need no grant; any other import is unknown.
pub fn check_imports(manifest: &Manifest, imports: &[String]) -> Vec<Mismatch> {
    imports
        .iter()
        .filter_map(|name| {
            if crate::engine::wasi_provides(name).is_some() {
                return None;
            }
            match crate::contract::interface(name).map(|i| manifest.grants_interface(i)) {
                Some(true) => None,
                Some(false) => Some(Mismatch::NotGranted(name.clone())),
                None => Some(Mismatch::Unknown(name.clone())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_and_type_only_interfaces_need_no_grant() {
        let imports = [
            "wasi:cli/stdout@0.2.6",
            "juju:charm/types@0.1.0",
            "juju:charm/events@0.1.0",
        ]
        .map(String::from);
        assert!(check_imports(&Manifest::default(), &imports).is_empty());
    }

    #[test]
    fn an_ungranted_interface_and_an_unknown_one_are_named() {
        let imports = [
            "juju:charm/secrets@0.1.0",
            "acme:widgets/gadget@1.0.0",
            "juju:charm/secrets@0.9.0",
            "wasi:http/outgoing-handler@0.2.6",
            "wasi:cli/stdout@0.3.0",
        ]
        .map(String::from);
        let found = check_imports(&Manifest::default(), &imports);
        assert_eq!(
            found,
            [
                Mismatch::NotGranted("juju:charm/secrets@0.1.0".into()),
                Mismatch::Unknown("acme:widgets/gadget@1.0.0".into()),
                Mismatch::Unknown("juju:charm/secrets@0.9.0".into()),
                Mismatch::Unknown("wasi:http/outgoing-handler@0.2.6".into()),
                Mismatch::Unknown("wasi:cli/stdout@0.3.0".into()),
            ]
        );
        assert_eq!(
            found[0].to_string(),
            "it imports juju:charm/secrets@0.1.0, but capabilities.yaml grants nothing of it"
        );
    }
}
