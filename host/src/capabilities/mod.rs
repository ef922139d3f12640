//! Capabilities: what a charm may do, declared in its manifest and enforced twice — when the
//! component loads (it may import only interfaces the manifest grants something of) and on
//! every call ([`PolicyBackend`]). Nothing is granted by default.

mod imports;
mod manifest;
mod policy;
pub mod report;

pub use imports::{Mismatch, check_imports};
pub use manifest::{
    Manifest, ManifestError, ManifestLimits, Readable, Relations, SecretOp, Secrets,
};
pub use policy::PolicyBackend;

#[cfg(test)]
mod tests;
