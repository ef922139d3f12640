//! The machine's ceilings on a hook's limits.
//!
//! Under Juju nobody passes `dispatch` flags or environment: the manifest's `limits:` would be
//! the only limits, and a manifest is part of the untrusted package. So every limit has a
//! ceiling the manifest, the flags and the environment can only stay under: the built-in
//! defaults ([`Limits::default`]), or what the operator writes in [`CEILINGS_FILE`], a
//! root-owned file at a fixed path (nothing in a charm package can name another). Fuel has
//! no ceiling: it is off by default, and setting it only ever restricts.

use std::path::Path;

use super::limits::{Bytes, Limits, LimitsSpec, Seconds};

/// Where an operator may change the ceilings.
pub const CEILINGS_FILE: &str = "/etc/charm-host/ceilings.yaml";

/// The longest ceilings file the host reads (a real one is a few lines).
const MAX_CEILINGS: u64 = 64 << 10;

/// The ceilings, and where they come from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceilings {
    /// The highest value of each limit (`fuel` is ignored).
    pub limits: Limits,
    /// `built-in`, or the file they were read from.
    pub source: String,
}

impl Ceilings {
    /// The built-in ceilings: the default limits.
    pub fn built_in() -> Self {
        Ceilings {
            limits: Limits::default(),
            source: "built-in".into(),
        }
    }

    /// This machine's ceilings: [`CEILINGS_FILE`] if it exists, else the built-in ones.
    pub fn of_machine() -> Result<Self, String> {
        Self::load(Path::new(CEILINGS_FILE))
    }

    /// The ceilings in `path`, trusted only if it and every directory above it belong to
    /// root and nobody else may write them; the built-in ones if it does not exist.
    pub fn load(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::built_in()),
            Err(e) => return Err(format!("ceilings file {shown}: {e}")),
        };
        if !meta.is_file() {
            return Err(format!("ceilings file {shown}: not a regular file"));
        }
        crate::private_file::check_trusted(path, 0)
            .map_err(|e| format!("ceilings file {shown} is not trusted: {e}"))?;
        let bytes = crate::private_file::read_regular(path, MAX_CEILINGS)
            .map_err(|e| format!("ceilings file {shown}: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("ceilings file {shown}: not UTF-8 text"))?;
        let spec: LimitsSpec = if text.trim().is_empty() {
            LimitsSpec::default()
        } else {
            juju_hookcmds::yaml::from_str(&text)
                .map_err(|e| format!("ceilings file {shown}: {e}"))?
        };
        if spec.fuel.is_some() {
            return Err(format!(
                "ceilings file {shown}: fuel has no ceiling (it is off unless a charm sets it)"
            ));
        }
        let limits = spec
            .apply(Limits::default())
            .map_err(|e| format!("ceilings file {shown}: {e}"))?;
        Ok(Ceilings {
            limits,
            source: shown.to_string(),
        })
    }

    /// `limits` if none is above its ceiling; else the first that is, named with the value
    /// `asked_by` gave it and the ceiling (one line).
    pub fn check(&self, limits: &Limits, asked_by: &str) -> Result<(), String> {
        let c = &self.limits;
        let over = |name: &str, value: String, ceiling: String| {
            Err(format!(
                "{asked_by} asks for {name} {value}, above the ceiling of {ceiling} ({})",
                self.source
            ))
        };
        if limits.wall_time > c.wall_time {
            return over(
                "wall-time",
                Seconds(limits.wall_time).to_string(),
                Seconds(c.wall_time).to_string(),
            );
        }
        for (name, value, ceiling) in [
            ("memory", limits.memory, c.memory),
            ("wasm-stack", limits.wasm_stack, c.wasm_stack),
            ("output", limits.output, c.output),
            ("host-call-data", limits.host_call_data, c.host_call_data),
        ] {
            if value > ceiling {
                return over(name, Bytes(value).to_string(), Bytes(ceiling).to_string());
            }
        }
        if limits.hook_command_timeout > c.hook_command_timeout {
            return over(
                "hook-command-timeout",
                Seconds(limits.hook_command_timeout).to_string(),
                Seconds(c.hook_command_timeout).to_string(),
            );
        }
        if limits.host_calls > c.host_calls {
            return over(
                "host-calls",
                limits.host_calls.to_string(),
                c.host_calls.to_string(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;

    use super::*;

    /// These tests make files owned by another user: they need root, and fail without it.
    fn require_root() {
        // SAFETY: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "this test needs root (it makes files owned by another user)"
        );
    }

    fn file(dir: &Path, text: &str, mode: u32) -> std::path::PathBuf {
        let path = dir.join("ceilings.yaml");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    /// A private root-owned directory whose ancestors (the system temp dir) are safe.
    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    #[test]
    fn without_a_file_the_ceilings_are_the_built_in_defaults() {
        let c = Ceilings::load(Path::new("/nonexistent/charm-host/ceilings.yaml")).unwrap();
        assert_eq!(c, Ceilings::built_in());
        assert_eq!(c.limits, Limits::default());
    }

    #[test]
    fn a_root_owned_file_sets_the_ceilings_it_names() {
        require_root();
        let dir = private_dir();
        let path = file(dir.path(), "wall-time: 10m\nhost-calls: 50000\n", 0o644);
        let c = Ceilings::load(&path).unwrap();
        assert_eq!(c.limits.wall_time, Duration::from_secs(600));
        assert_eq!(c.limits.host_calls, 50_000);
        assert_eq!(c.limits.memory, Limits::default().memory);
    }

    #[test]
    fn a_ceilings_file_others_may_write_or_another_user_owns_is_refused() {
        require_root();
        let dir = private_dir();
        let path = file(dir.path(), "memory: 64GiB\n", 0o666);
        let e = Ceilings::load(&path).unwrap_err();
        assert!(
            e.contains("may be written by users other than its owner"),
            "{e}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
        let e = Ceilings::load(&path).unwrap_err();
        assert!(e.contains("belongs to user 65534, not to root"), "{e}");
        std::os::unix::fs::chown(&path, Some(0), None).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = Ceilings::load(&path).unwrap_err();
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
    }

    #[test]
    fn a_limit_above_its_ceiling_is_named_with_both_values() {
        let c = Ceilings::built_in();
        let asked = Limits {
            memory: 64 << 30,
            ..Limits::default()
        };
        assert_eq!(
            c.check(&asked, "capabilities.yaml"),
            Err(
                "capabilities.yaml asks for memory 64 GiB, above the ceiling of 256 MiB (built-in)"
                    .into()
            )
        );
        let asked = Limits {
            wall_time: Duration::from_secs(30 * 86_400),
            ..Limits::default()
        };
        assert!(
            c.check(&asked, "m")
                .unwrap_err()
                .contains("wall-time 2592000 s")
        );
        assert_eq!(c.check(&Limits::default(), "m"), Ok(()));
    }
}
