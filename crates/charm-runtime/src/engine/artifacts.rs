//! Precompiled components, so a warm hook never waits for Cranelift.
//!
//! Compiling a component takes ~50 ms for a Rust charm and seconds for a Python or JS one;
//! loading a precompiled artifact takes about a millisecond. But an artifact is machine code
//! that wasmtime runs without checking it, so the host only ever loads artifacts it compiled
//! itself, on this machine, into a cache only it can write: never one shipped in a charm
//! package (`pack` ships none), never one in a directory someone else could write. The first
//! hook on a machine compiles (the `install` hook, typically), every later one loads.
//!
//! The cache is `$CHARM_HOST_CACHE_DIR`, else `/var/lib/charm-host/cache` for root (Juju runs
//! hooks as root, often without `HOME`), else `$XDG_CACHE_HOME/charm-host` or
//! `~/.cache/charm-host`. It is trusted only if it belongs to this user with no access for
//! anyone else (created so), and every directory above it belongs to root or this user and
//! nobody else may write it (a root-owned sticky directory such as `/tmp` passes); each
//! artifact must be a regular file of this user's that nobody else may write. Artifacts are
//! keyed by the component's SHA-256 and the engine's compatibility hash (a host built or
//! configured differently never loads another's), each with a `.meta` record of what it was
//! compiled from: one whose record does not match, or that wasmtime refuses, is compiled again.
//!
//! Hashing a large component on every hook would cost more than loading it, so the cache also
//! remembers which hash a component file had (by path, inode, size and modification time);
//! a file that changed in any of these is hashed again. Every file is written 0600,
//! atomically.

use std::hash::Hasher;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmtime::Engine;

use crate::private_file::write_atomically;

/// Bumped when the layout or the record changes, so old artifacts are ignored.
const FORMAT: u32 = 2;

/// What an artifact was compiled from (`<artifact>.meta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    format: u32,
    /// SHA-256 of the component, hex.
    component: String,
    /// The engine's compatibility hash, hex.
    engine: String,
    /// The artifact's length in bytes.
    length: u64,
    /// The component's instance metadata in bytes (see `footprint`), read from the component
    /// when it was compiled, so a warm hook need not read the component to charge it.
    metadata: u64,
}

/// Feeds wasmtime's compatibility hash into SHA-256, so it is stable across processes.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    /// Unused: the SHA-256 digest is read instead.
    fn finish(&self) -> u64 {
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The engine's compatibility hash, hex: equal only for engines that can load each other's
/// artifacts.
pub fn engine_hash(engine: &Engine) -> String {
    let mut hasher = ShaHasher(Sha256::new());
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    hex(&hasher.0.finalize())
}

/// SHA-256 of `bytes`, hex.
pub fn component_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The record file of an artifact.
pub fn record_path(artifact: &Path) -> PathBuf {
    let mut name = artifact.file_name().unwrap_or_default().to_os_string();
    name.push(".meta");
    artifact.with_file_name(name)
}

/// Writes an artifact and its record.
pub fn write(
    artifact: &Path,
    bytes: &[u8],
    component: &str,
    engine: &str,
    metadata: u64,
) -> std::io::Result<()> {
    let record = Record {
        format: FORMAT,
        component: component.to_string(),
        engine: engine.to_string(),
        length: bytes.len() as u64,
        metadata,
    };
    write_atomically(artifact, bytes)?;
    write_atomically(
        &record_path(artifact),
        &serde_json::to_vec(&record).map_err(std::io::Error::other)?,
    )
}

/// The component's instance metadata, if `artifact` says it was compiled from `component`
/// for `engine`, is whole, and is a regular file of this user's that nobody else may write
/// (as is its record).
pub fn matches(artifact: &Path, component: &str, engine: &str) -> Option<u64> {
    let me = crate::private_file::euid();
    let private = |p: &Path| {
        std::fs::symlink_metadata(p)
            .ok()
            .filter(|m| m.is_file() && m.uid() == me && m.mode() & 0o022 == 0)
    };
    let length = private(artifact)?.len();
    private(&record_path(artifact))?;
    let text = std::fs::read(record_path(artifact)).ok()?;
    let record = serde_json::from_slice::<Record>(&text).ok()?;
    let whole = record.format == FORMAT
        && record.component == component
        && record.engine == engine
        && length == record.length;
    whole.then_some(record.metadata)
}

/// The host's cache of artifacts for one engine.
pub struct Cache {
    dir: PathBuf,
}

/// Where root's cache lives: a fixed machine location (hooks run as root, `HOME` may be unset).
pub const MACHINE_CACHE: &str = "/var/lib/charm-host/cache";

impl Cache {
    /// `$CHARM_HOST_CACHE_DIR`, else [`MACHINE_CACHE`] for root, else
    /// `$XDG_CACHE_HOME/charm-host`, else `~/.cache/charm-host`.
    pub fn default_root() -> Option<PathBuf> {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        var("CHARM_HOST_CACHE_DIR").or_else(|| {
            if crate::private_file::euid() == 0 {
                Some(PathBuf::from(MACHINE_CACHE))
            } else {
                var("XDG_CACHE_HOME")
                    .map(|d| d.join("charm-host"))
                    .or_else(|| var("HOME").map(|d| d.join(".cache/charm-host")))
            }
        })
    }

    /// The cache for `engine_hash` in the default directory; `Err` says why there is none
    /// (no directory can be named, or it is not trusted): hooks then compile every time.
    pub fn for_engine(engine_hash: &str) -> Result<Self, String> {
        let root =
            Cache::default_root().ok_or("no artifact cache: set CHARM_HOST_CACHE_DIR or HOME")?;
        Cache::open(&root, engine_hash)
    }

    /// The cache for `engine_hash` under `root`, creating it (0700) if needed, if it is
    /// trusted (see the module documentation); `Err` names what is not.
    pub fn open(root: &Path, engine_hash: &str) -> Result<Self, String> {
        let me = crate::private_file::euid();
        let dir = root.join(&engine_hash[..32]);
        let refuse = |e: String| format!("artifact cache {}: {e}", root.display());
        for d in [root.to_path_buf(), dir.clone(), dir.join("files")] {
            crate::private_file::private_dir(&d, me).map_err(refuse)?;
        }
        crate::private_file::check_trusted(root, me).map_err(refuse)?;
        Ok(Cache { dir })
    }

    /// The cache's directory (one per engine).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the artifact for a component with this hash goes.
    pub fn artifact(&self, component: &str) -> PathBuf {
        self.dir.join(format!("{component}.cwasm"))
    }

    fn file_entry(&self, path: &Path) -> Option<PathBuf> {
        let path = path.canonicalize().ok()?;
        let meta = std::fs::metadata(&path).ok()?;
        // The change time too: unlike the modification time, nobody can set it back.
        let identity = format!(
            "{}\0{}\0{}\0{}\0{}.{}\0{}.{}",
            path.display(),
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        );
        Some(
            self.dir
                .join("files")
                .join(component_hash(identity.as_bytes())),
        )
    }

    /// The hash the component file at `path` had when it was last hashed, if it has not
    /// changed since.
    pub fn known_hash(&self, path: &Path) -> Option<String> {
        let text = std::fs::read_to_string(self.file_entry(path)?).ok()?;
        let hash = text.trim();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash.to_string())
    }

    /// Remembers the hash of the component file at `path`.
    pub fn remember_hash(&self, path: &Path, hash: &str) -> std::io::Result<()> {
        match self.file_entry(path) {
            Some(entry) => write_atomically(&entry, hash.as_bytes()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_matches_only_the_component_engine_and_length_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let artifact = dir.path().join("charm.cwasm");
        write(&artifact, b"compiled", "c1", "e1", 4096).unwrap();
        assert_eq!(matches(&artifact, "c1", "e1"), Some(4096), "its metadata");
        assert_eq!(matches(&artifact, "c2", "e1"), None, "another component");
        assert_eq!(matches(&artifact, "c1", "e2"), None, "another engine");
        std::fs::write(&artifact, b"compi").unwrap();
        assert_eq!(matches(&artifact, "c1", "e1"), None, "truncated");
        std::fs::write(record_path(&artifact), b"{not json").unwrap();
        assert_eq!(matches(&artifact, "c1", "e1"), None, "a broken record");
    }

    #[test]
    fn the_cache_is_private_and_forgets_a_file_that_changed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let cache = Cache::open(&root, &"e".repeat(64)).unwrap();
        assert_eq!(
            std::fs::metadata(&root).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let component = dir.path().join("charm.wasm");
        std::fs::write(&component, b"one").unwrap();
        let hash = component_hash(b"one");
        cache.remember_hash(&component, &hash).unwrap();
        assert_eq!(cache.known_hash(&component), Some(hash));
        std::fs::write(&component, b"two!").unwrap();
        assert_eq!(cache.known_hash(&component), None);
    }
}
