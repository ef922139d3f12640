//! The `files` capability: which paths of the unit's machine a charm may read or write, with
//! what mode and owner.
//!
//! ```yaml
//! files:
//!   - path: /etc/webserver              # the directory itself (to make it)
//!     access: write
//!     max-mode: "0700"
//!   - path: /etc/webserver/*.json       # `*` and `?` stay within one component
//!     access: write                     # write covers reading too
//!     max-mode: "0640"                  # every bit of a mode written must be in it
//!     owners: [root, webserver]         # who may own what it writes (default: root)
//!     groups: [root, webserver]         # which group (default: root)
//!   - path: /var/log/webserver/**       # `**`: any depth strictly below
//!     access: read
//! ```
//!
//! The path grammar: a pattern is an absolute path of components separated by single `/`,
//! with no `.`, `..` or empty component. In a component `*` matches any run of characters and
//! `?` one character, never a `/`; a component that is exactly `**` matches any number of
//! whole components, and at the end of a pattern at least one (so `/a/**` covers everything
//! below `/a`, not `/a` itself). `[`, `]`, `{`, `}` and `\` are reserved. Matching is exact
//! and case-sensitive on the path as the charm wrote it, and the host follows no symlink
//! anywhere in it, so the path matched is the path touched.
//!
//! A grant that can reach a place that amounts to root ([`super::dangerous::PATHS`]) or a
//! maximum mode with set-id or sticky bits is refused unless it says `dangerous: true`.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::dangerous;
use super::policy::Gate;
use crate::error::HostError;

/// The paths a charm may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Files(pub Vec<FileGrant>);

/// One grant of paths.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FileGrant {
    /// The paths it covers.
    pub path: PathPattern,
    /// Reading, or writing (which includes reading).
    pub access: Access,
    /// The bits a mode written may have (writes only).
    #[serde(default)]
    pub max_mode: Option<Mode>,
    /// Who may own what the charm writes; empty: root.
    #[serde(default)]
    pub owners: BTreeSet<String>,
    /// Which group may own it; empty: root.
    #[serde(default)]
    pub groups: BTreeSet<String>,
    /// The grant amounts to root, and the manifest says so.
    #[serde(default)]
    pub dangerous: bool,
}

/// What a grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// `read`, `list`, `stat`.
    Read,
    /// Those and `write`, `remove`, `make-dir`.
    Write,
}

/// A file mode, written in the manifest as quoted octal (`"0640"`): an unquoted `0640` is
/// the decimal number 640 to a YAML 1.2 reader, so numbers are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode(pub u32);

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Text(String),
            Number(u64),
        }
        let text = match Given::deserialize(d)? {
            Given::Text(t) => t,
            Given::Number(n) => {
                return Err(serde::de::Error::custom(format!(
                    "mode {n}: write modes as quoted octal, like \"0640\""
                )));
            }
        };
        let digits = text.strip_prefix("0o").unwrap_or(&text);
        match u32::from_str_radix(digits, 8) {
            Ok(mode) if !digits.is_empty() && mode <= 0o7777 => Ok(Mode(mode)),
            _ => Err(serde::de::Error::custom(format!(
                "mode {text:?} is not an octal mode (0000 to 7777)"
            ))),
        }
    }
}

/// A pattern of paths, checked when the manifest is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    components: Vec<String>,
}

impl<'de> Deserialize<'de> for PathPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PathPattern::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The most components a path may have: bounds the matcher's work.
const MAX_COMPONENTS: usize = 256;

/// The components of `path` if it is a plain absolute path (Linux's limits: 4095 bytes, 255
/// per component), else why not. Nothing is cleaned: a path that would need it is refused.
pub fn components(path: &str) -> Result<Vec<&str>, String> {
    let bad = |why: &str| Err(format!("path {path:?} {why}"));
    if path.len() > 4095 {
        return Err(format!("path of {} bytes is longer than 4095", path.len()));
    }
    if path.contains('\0') {
        return bad("contains a NUL");
    }
    let Some(rest) = path.strip_prefix('/') else {
        return bad("is not absolute");
    };
    if rest.is_empty() {
        return bad("is the root directory");
    }
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() > MAX_COMPONENTS {
        return bad("has too many components");
    }
    for part in &parts {
        match *part {
            "" => return bad("has an empty component (`//` or a trailing `/`)"),
            "." | ".." => return bad("has a `.` or `..` component"),
            p if p.len() > 255 => return bad("has a component longer than 255 bytes"),
            _ => {}
        }
    }
    Ok(parts)
}

impl PathPattern {
    /// Parses a pattern of the grammar above.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts = components(text).map_err(|e| format!("files: {e}"))?;
        if let Some(c) = text.chars().find(|c| "[]{}\\".contains(*c)) {
            return Err(format!(
                "files: path {text:?} uses {c:?}, which is reserved in path patterns"
            ));
        }
        if parts.iter().any(|p| p.contains("**") && *p != "**") {
            return Err(format!(
                "files: path {text:?}: `**` must be a whole component"
            ));
        }
        Ok(PathPattern {
            text: text.to_string(),
            components: parts.into_iter().map(String::from).collect(),
        })
    }

    /// The pattern as the manifest wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The leading components without wildcards.
    fn literal_prefix(&self) -> &[String] {
        let n = self
            .components
            .iter()
            .position(|c| c.contains(['*', '?']))
            .unwrap_or(self.components.len());
        &self.components[..n]
    }

    /// Whether the pattern is one path (no wildcard).
    fn is_literal(&self) -> bool {
        self.literal_prefix().len() == self.components.len()
    }

    /// Whether `path` (already split by [`components`]) matches.
    pub fn matches(&self, path: &[&str]) -> bool {
        let (p, n) = (&self.components, path.len());
        // rest[i][j]: pattern components i.. match path components j..
        let mut rest = vec![vec![false; n + 1]; p.len() + 1];
        rest[p.len()][n] = true;
        for i in (0..p.len()).rev() {
            for j in (0..=n).rev() {
                rest[i][j] = if p[i] == "**" {
                    let last = i + 1 == p.len();
                    (!last && rest[i + 1][j]) || (j < n && (rest[i + 1][j + 1] || rest[i][j + 1]))
                } else {
                    j < n && component_matches(&p[i], path[j]) && rest[i + 1][j + 1]
                };
            }
        }
        rest[0][0]
    }

    /// The dangerous places the pattern can reach (for reading: only those that leak).
    pub fn dangers(&self, access: Access) -> Vec<&'static dangerous::DangerousPath> {
        dangerous::PATHS
            .iter()
            .filter(|d| access == Access::Write || d.read)
            .filter(|d| self.reaches(d.path))
            .collect()
    }

    /// Whether the pattern can match a path at or below the dangerous place `place`
    /// (components; the last may end with `*`, a prefix of the component).
    fn reaches(&self, place: &str) -> bool {
        let place: Vec<&str> = place.trim_start_matches('/').split('/').collect();
        let prefix = self.literal_prefix();
        let same = |mine: &str, theirs: &str| match theirs.strip_suffix('*') {
            Some(start) => mine.starts_with(start),
            None => mine == theirs,
        };
        let shared = prefix.len().min(place.len());
        if !(0..shared).all(|k| same(&prefix[k], place[k])) {
            return false;
        }
        // A literal path reaches only itself: it must be at or below the place.
        !self.is_literal() || prefix.len() >= place.len()
    }
}

/// `*` (any run) and `?` (one character) within one component.
fn component_matches(pattern: &str, name: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

impl FileGrant {
    /// Refuses a grant that amounts to root without saying so, or that makes no sense.
    pub(super) fn validate(&self) -> Result<(), String> {
        let path = self.path.as_str();
        match (self.access, self.max_mode) {
            (Access::Read, Some(_)) => {
                return Err(format!("files: {path}: max-mode is for write grants"));
            }
            (Access::Write, None) => {
                return Err(format!("files: {path}: a write grant needs max-mode"));
            }
            _ => {}
        }
        for name in self.owners.iter().chain(&self.groups) {
            if name.is_empty() || name.starts_with('-') || name.contains(['/', ':', '\0']) {
                return Err(format!(
                    "files: {path}: {name:?} is not a user or group name"
                ));
            }
        }
        match self.dangers().first() {
            Some(why) if !self.dangerous => Err(format!(
                "files: {path}: {why}; add `dangerous: true` to this grant if that is intended"
            )),
            _ => Ok(()),
        }
    }

    /// Why the grant amounts to root, if it does.
    pub fn dangers(&self) -> Vec<String> {
        let verb = match self.access {
            Access::Read => "reads",
            Access::Write => "writes",
        };
        let mut why: Vec<String> = self
            .path
            .dangers(self.access)
            .into_iter()
            .map(|d| format!("{verb} {} ({})", d.path, d.why))
            .collect();
        if let Some(Mode(mode)) = self.max_mode
            && mode & 0o7000 != 0
        {
            why.push(format!(
                "max-mode {mode:04o} allows set-user-id, set-group-id or sticky bits"
            ));
        }
        why
    }

    fn allows(&self, write: bool, path: &[&str]) -> bool {
        (!write || self.access == Access::Write) && self.path.matches(path)
    }
}

/// What a call does to its path: only reads, removes, or writes leaving it with this mode
/// and owner.
pub(super) enum Use<'a> {
    Read,
    Remove,
    Write(u32, &'a juju_hookcmds::workload::Ownership),
}

impl Files {
    /// Refuses grants that amount to root without `dangerous: true`.
    pub(super) fn validate(&self) -> Result<(), String> {
        self.0.iter().try_for_each(FileGrant::validate)
    }

    /// A call on `path`: some grant must cover it for reading, or for writing with `written`
    /// within its mode and owners. Every refusal names the path, never what is written.
    pub(super) fn check(
        &self,
        gate: &mut Gate,
        op: &str,
        path: &str,
        usage: Use<'_>,
    ) -> Result<(), HostError> {
        let parts = match components(path) {
            Ok(parts) => parts,
            Err(why) => return gate.deny(format!("{op}: {why}")),
        };
        let write = !matches!(usage, Use::Read);
        let covering: Vec<&FileGrant> = self.0.iter().filter(|g| g.allows(write, &parts)).collect();
        let access = if write { "write" } else { "read" };
        if covering.is_empty() {
            return gate.deny(format!(
                "{op} {path:?}: no {access} grant covers it (capabilities.yaml: files)"
            ));
        }
        let Use::Write(mode, owner) = usage else {
            return Ok(());
        };
        let (user, group) = (owner.owner(), owner.group());
        let fits = |g: &&FileGrant| {
            let max = g.max_mode.map_or(0, |m| m.0);
            let allowed = |names: &BTreeSet<String>, name: &str| {
                if names.is_empty() {
                    name == "root"
                } else {
                    names.contains(name)
                }
            };
            mode & !max == 0 && allowed(&g.owners, user) && allowed(&g.groups, group)
        };
        if covering.iter().any(fits) {
            return Ok(());
        }
        gate.deny(format!(
            "{op} {path:?} with mode {mode:04o}, owner {user}:{group}: beyond what its grant allows (capabilities.yaml: files max-mode, owners, groups)"
        ))
    }

    /// Every grant's dangers, for `check`.
    pub fn dangers(&self) -> Vec<String> {
        self.0.iter().flat_map(FileGrant::dangers).collect()
    }
}

impl super::Capability for Files {
    fn interface(&self) -> &'static str {
        "files"
    }

    fn granted(&self) -> bool {
        !self.0.is_empty()
    }

    fn report(&self) -> String {
        if self.0.is_empty() {
            return "files: not granted (no file of the machine)".into();
        }
        let grants = self.0.iter().map(|g| match (g.access, g.max_mode) {
            (Access::Write, Some(Mode(m))) => format!("write {} (mode ⊆ {m:04o})", g.path.text),
            _ => format!("read {}", g.path.text),
        });
        format!("files: {}", super::report::list(grants))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        PathPattern::parse(pattern)
            .unwrap()
            .matches(&components(path).unwrap())
    }

    #[test]
    fn a_star_or_question_mark_never_crosses_a_slash() {
        assert!(matches(
            "/etc/webserver/*.json",
            "/etc/webserver/database.json"
        ));
        assert!(matches("/etc/webserver/*.json", "/etc/webserver/.json"));
        assert!(!matches(
            "/etc/webserver/*.json",
            "/etc/webserver/sub/x.json"
        ));
        assert!(matches("/etc/web?erver/x", "/etc/webserver/x"));
        assert!(!matches("/etc/web?erver/x", "/etc/web/erver/x"));
        assert!(!matches("/etc/webserver/*", "/etc/webserver"));
    }

    #[test]
    fn a_double_star_is_any_depth_and_at_the_end_strictly_below() {
        assert!(matches("/etc/webserver/**", "/etc/webserver/a"));
        assert!(matches("/etc/webserver/**", "/etc/webserver/a/b/c"));
        assert!(!matches("/etc/webserver/**", "/etc/webserver"));
        assert!(!matches("/etc/webserver/**", "/etc/webserverX/a"));
        assert!(matches("/a/**/b", "/a/b"));
        assert!(matches("/a/**/b", "/a/x/y/b"));
        assert!(!matches("/a/**/b", "/a/xb"));
    }

    #[test]
    fn paths_that_would_need_cleaning_are_refused_not_cleaned() {
        for bad in [
            "/etc/webserver/../shadow",
            "/etc/webserver/./x",
            "/etc//webserver/x",
            "/etc/webserver/",
            "etc/webserver/x",
            "",
            "/",
            "/etc/webserver/a\0b",
        ] {
            assert!(components(bad).is_err(), "{bad:?}");
        }
        assert!(components(&format!("/{}", "a".repeat(256))).is_err());
        assert!(components(&format!("/{}", "a/".repeat(2048))).is_err());
        assert!(components(&"/a".repeat(300)).is_err());
        assert!(components(&format!("/{}", "a".repeat(255))).is_ok());
    }

    #[test]
    fn patterns_with_reserved_characters_or_partial_double_stars_are_refused() {
        for bad in [
            "/etc/[ab]/x",
            "/etc/{a,b}",
            "/etc/a**",
            "/etc/a\\b",
            "relative/x",
            "/etc/../x",
            "/",
        ] {
            assert!(PathPattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn matching_ten_thousand_components_is_refused_quickly() {
        let long = "/a".repeat(10_000);
        assert!(components(&long).is_err());
        let p = PathPattern::parse("/**/**/**/**/x").unwrap();
        let path = "/a".repeat(255);
        assert!(!p.matches(&components(&path).unwrap()));
    }

    fn manifest(yaml: &str) -> Result<crate::capabilities::Manifest, String> {
        crate::capabilities::Manifest::parse(yaml, "c.yaml").map_err(|e| e.to_string())
    }

    #[test]
    fn a_mode_must_be_quoted_octal() {
        let err =
            manifest("files:\n  - {path: /etc/x, access: write, max-mode: 640}\n").unwrap_err();
        assert!(err.contains("quoted octal"), "{err}");
        let m =
            manifest("files:\n  - {path: /etc/x, access: write, max-mode: \"0640\"}\n").unwrap();
        assert_eq!(m.files.0[0].max_mode, Some(Mode(0o640)));
        assert!(
            manifest("files:\n  - {path: /etc/x, access: write, max-mode: \"0999\"}\n").is_err()
        );
        assert!(manifest("files:\n  - {path: /etc/x, access: write}\n").is_err());
    }

    #[test]
    fn a_grant_with_set_id_bits_is_dangerous() {
        let err = manifest("files:\n  - {path: /opt/app/bin, access: write, max-mode: \"4755\"}\n")
            .unwrap_err();
        assert!(err.contains("dangerous: true"), "{err}");
        manifest("files:\n  - {path: /opt/app/bin, access: write, max-mode: \"4755\", dangerous: true}\n")
            .unwrap();
    }

    #[test]
    fn a_wildcard_early_in_a_pattern_reaches_every_dangerous_place() {
        let err = manifest("files:\n  - {path: /etc/*.conf, access: write, max-mode: \"0644\"}\n")
            .unwrap_err();
        assert!(err.contains("dangerous"), "{err}");
        let err = manifest("files:\n  - {path: /e?c/x, access: read}\n").unwrap_err();
        assert!(err.contains("dangerous"), "{err}");
        manifest("files:\n  - {path: /etc/webserver/*.json, access: write, max-mode: \"0644\"}\n")
            .unwrap();
        manifest("files:\n  - {path: /etc/webserver, access: write, max-mode: \"0700\"}\n")
            .unwrap();
    }
}
