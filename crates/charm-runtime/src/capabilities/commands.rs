//! The `commands` capability: which of the workload's programs a charm may run, with which
//! arguments, as whom, with what environment.
//!
//! ```yaml
//! commands:
//!   - program: /usr/local/bin/database-set-password   # absolute; never looked up on PATH
//!     args: [admin]                  # one rule per argument, exactly this many
//!     user: root                     # default root; or a user name (no supplementary groups)
//!     env: {LANG: C.UTF-8}           # the whole environment, with PATH fixed unless given
//!     cwd: /                         # default /
//!     timeout: 10s                   # default 10s, and never past the hook's wall time
//!     output: 64KiB                  # kept of each of stdout and stderr; default 64KiB
//!   - program: /usr/bin/pg_ctlcluster
//!     args: ["16", "{name}", "re:start|stop|reload"]
//! ```
//!
//! The argument grammar: each rule is a literal (matched exactly), a placeholder (`{name}`:
//! letters, digits and `_.@+-`; `{int}`: digits; `{path}`: a plain absolute path; `{any}`:
//! anything without a NUL), or `re:` and a regular expression matched against the whole
//! argument. A value a placeholder or pattern accepts never starts with `-` unless a literal
//! `--` comes before it, so a charm cannot slip in an option. The charm sends the whole
//! argument list; the host runs it only if some grant of that program matches every argument.
//! Secrets go on stdin, never in arguments.
//!
//! A program that runs arbitrary code ([`super::dangerous::PROGRAMS`]: shells, interpreters,
//! `sudo`, `env`, ... judged by the program's resolved path, and a script by its interpreter)
//! or a tool such as `find` or `tar` with an argument that is not a literal, and an
//! environment that changes how programs load (`LD_*`, ...), are refused unless the grant says
//! `dangerous: true`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::dangerous;
use super::policy::Gate;
use crate::error::HostError;

/// The programs a charm may run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Commands(pub Vec<CommandGrant>);

/// One program and how it may be run.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CommandGrant {
    /// The program's absolute path.
    pub program: String,
    /// One rule per argument.
    #[serde(default)]
    pub args: Vec<Arg>,
    /// The user it runs as; `None` is root.
    #[serde(default)]
    pub user: Option<String>,
    /// Its environment (PATH fixed unless given).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Its working directory.
    #[serde(default = "root_dir")]
    pub cwd: String,
    /// How long it may run.
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Bytes kept of each of stdout and stderr.
    #[serde(default = "default_output", deserialize_with = "size")]
    pub output: usize,
    /// The grant amounts to root, and the manifest says so.
    #[serde(default)]
    pub dangerous: bool,
}

fn root_dir() -> String {
    "/".into()
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_output() -> usize {
    64 << 10
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    crate::engine::parse_duration(&text).map_err(serde::de::Error::custom)
}

fn size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let text = String::deserialize(d)?;
    crate::engine::parse_size(&text).map_err(serde::de::Error::custom)
}

/// The PATH a program gets unless its grant gives one.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The most output kept of each stream: what one call carries back to the charm by default.
const MAX_OUTPUT: usize = 16 << 20;

/// The most bytes one argument may have.
const MAX_ARGUMENT: usize = 4096;

/// A rule for one argument.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Exactly this.
    Literal(String),
    /// A value of a class.
    Placeholder(Class),
    /// A value the whole of which the expression matches.
    Pattern(regex::Regex),
}

/// What a placeholder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Letters, digits and `_.@+-`, not starting with `-`... or `.`.
    Name,
    /// Digits.
    Int,
    /// A plain absolute path.
    Path,
    /// Anything without a NUL.
    Any,
}

impl<'de> Deserialize<'de> for Arg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Arg::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Arg {
    fn parse(text: &str) -> Result<Self, String> {
        if let Some(expr) = text.strip_prefix("re:") {
            // Alone first: an expression that closes the group around it (`a)|(.*`) would
            // otherwise escape the anchors.
            let build = |e: &str| regex::RegexBuilder::new(e).size_limit(1 << 20).build();
            if let Err(e) = build(expr) {
                return Err(format!(
                    "commands: argument pattern {expr:?}: {}",
                    crate::engine::one_line(&e.to_string())
                ));
            }
            return regex::RegexBuilder::new(&format!("^(?:{expr})$"))
                .size_limit(1 << 20)
                .build()
                .map(Arg::Pattern)
                .map_err(|e| {
                    format!(
                        "commands: argument pattern {expr:?}: {}",
                        crate::engine::one_line(&e.to_string())
                    )
                });
        }
        if text.starts_with('{') {
            return Ok(Arg::Placeholder(match text {
                "{name}" => Class::Name,
                "{int}" => Class::Int,
                "{path}" => Class::Path,
                "{any}" => Class::Any,
                _ => {
                    return Err(format!(
                        "commands: argument {text:?} is not a placeholder ({{name}}, {{int}}, {{path}}, {{any}}); write a literal brace as re:\\{{..."
                    ));
                }
            }));
        }
        if text.contains('\0') {
            return Err("commands: an argument contains a NUL".into());
        }
        Ok(Arg::Literal(text.to_string()))
    }

    /// The rule as the manifest wrote it, for `check`.
    fn shown(&self) -> String {
        match self {
            Arg::Literal(l) => l.clone(),
            Arg::Placeholder(Class::Name) => "{name}".into(),
            Arg::Placeholder(Class::Int) => "{int}".into(),
            Arg::Placeholder(Class::Path) => "{path}".into(),
            Arg::Placeholder(Class::Any) => "{any}".into(),
            Arg::Pattern(re) => {
                let anchored = re.as_str();
                let inner = anchored
                    .strip_prefix("^(?:")
                    .and_then(|r| r.strip_suffix(")$"))
                    .unwrap_or(anchored);
                format!("re:{inner}")
            }
        }
    }

    fn is_literal(&self) -> bool {
        matches!(self, Arg::Literal(_))
    }

    fn accepts(&self, value: &str) -> bool {
        match self {
            Arg::Literal(l) => l == value,
            Arg::Placeholder(Class::Name) => {
                !value.is_empty()
                    && !value.starts_with('.')
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.@+-".contains(c))
            }
            Arg::Placeholder(Class::Int) => {
                !value.is_empty() && value.len() <= 20 && value.chars().all(|c| c.is_ascii_digit())
            }
            Arg::Placeholder(Class::Path) => super::files::components(value).is_ok(),
            Arg::Placeholder(Class::Any) => true,
            Arg::Pattern(re) => re.is_match(value),
        }
    }
}

impl CommandGrant {
    /// Refuses a grant that is malformed, or amounts to root without saying so.
    fn validate(&self) -> Result<(), String> {
        let program = &self.program;
        super::files::components(program).map_err(|e| format!("commands: program {e}"))?;
        super::files::components(&self.cwd).or_else(|e| {
            if self.cwd == "/" {
                Ok(vec![])
            } else {
                Err(format!("commands: {program}: cwd {e}"))
            }
        })?;
        if let Some(user) = &self.user
            && (user.is_empty() || user.starts_with('-') || user.contains(['/', ':', '\0']))
        {
            return Err(format!("commands: {program}: {user:?} is not a user name"));
        }
        for (name, value) in &self.env {
            let word = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !word || value.contains('\0') {
                return Err(format!(
                    "commands: {program}: environment {name:?} is not valid"
                ));
            }
        }
        if self.timeout.is_zero() {
            return Err(format!("commands: {program}: a timeout of zero"));
        }
        if self.output > MAX_OUTPUT {
            return Err(format!(
                "commands: {program}: output of more than {} MiB per stream",
                MAX_OUTPUT >> 20
            ));
        }
        match self.dangers().first() {
            Some(why) if !self.dangerous => Err(format!(
                "commands: {program}: {why}; add `dangerous: true` to this grant if that is intended"
            )),
            _ => Ok(()),
        }
    }

    /// Why the grant amounts to root, if it does: judged by the program as this machine
    /// resolves it (a script by its interpreter).
    pub fn dangers(&self) -> Vec<String> {
        let free = self.args.iter().any(|a| !a.is_literal());
        // A script's interpreter runs the script: with literal arguments the root-owned script
        // is the policy, with free ones the charm may steer the interpreter.
        let mut why: Vec<String> = judged(Path::new(&self.program))
            .into_iter()
            .filter(|(_, d, by_interpreter)| free || !(d.free_arguments_only || *by_interpreter))
            .map(|(resolved, d, by_interpreter)| {
                let with = if d.free_arguments_only || by_interpreter {
                    " with free arguments"
                } else {
                    ""
                };
                format!("runs {resolved}{with} ({})", d.why)
            })
            .collect();
        for name in self.env.keys() {
            if dangerous::ENVIRONMENT
                .iter()
                .any(|e| dangerous::name_matches(e, name))
            {
                why.push(format!(
                    "sets {name}, which changes how programs load or run code"
                ));
            }
        }
        // A literal path the program is given (`/etc/sudoers.d/x`, `of=/etc/cron.d/x`) is a
        // path it may write: judged as a write grant of it would be.
        for arg in &self.args {
            let Arg::Literal(text) = arg else { continue };
            let path = match text.find('/') {
                Some(0) => text.as_str(),
                Some(n) if text[..n].ends_with('=') => &text[n..],
                _ => continue,
            };
            match super::files::PathPattern::parse(path) {
                Ok(pattern) => why.extend(
                    pattern
                        .dangers(super::files::Access::Write)
                        .into_iter()
                        .map(|d| format!("is given {path}, under {} ({})", d.path, d.why)),
                ),
                Err(_) => why.push(format!("is given {path:?}, which is not a plain path")),
            }
        }
        why
    }

    /// The grant's command line for `args`, if every argument matches.
    fn accepts(&self, args: &[String]) -> bool {
        if args.len() != self.args.len() {
            return false;
        }
        let mut after_dashes = false;
        for (rule, value) in self.args.iter().zip(args) {
            if value.len() > MAX_ARGUMENT || value.contains('\0') || !rule.accepts(value) {
                return false;
            }
            if !rule.is_literal() && value.starts_with('-') && !after_dashes {
                return false;
            }
            after_dashes |= matches!(rule, Arg::Literal(l) if l == "--");
        }
        true
    }
}

/// The dangerous programs `program` is once resolved: the file itself, and for a script the
/// interpreter its `#!` line names (through `env` too; `true` marks those). A program that
/// does not exist here is judged by its path (and again where it runs).
fn judged(program: &Path) -> Vec<(String, &'static dangerous::DangerousProgram, bool)> {
    let resolved = std::fs::canonicalize(program).unwrap_or_else(|_| program.to_path_buf());
    let mut found = Vec::new();
    let mut judge = |path: &Path, by_interpreter: bool| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(d) = dangerous::program(name) {
            found.push((path.display().to_string(), d, by_interpreter));
        }
    };
    judge(&resolved, false);
    if let Some(interpreter) = interpreter(&resolved) {
        let interpreter = std::fs::canonicalize(&interpreter).unwrap_or(interpreter);
        judge(&interpreter, true);
    }
    found
}

/// The interpreter a script's `#!` line names (the program `env` runs, for `#!/usr/bin/env x`).
/// Only a regular file is read, without blocking: a program path naming a FIFO or a device
/// must not hang or arm anything.
fn interpreter(path: &Path) -> Option<std::path::PathBuf> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut head = [0u8; 256];
    let n = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .ok()?
        .read(&mut head)
        .ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = String::from_utf8_lossy(line.split(|b| *b == b'\n').next()?).into_owned();
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let named = if first.ends_with("/env") {
        words.find(|w| !w.starts_with('-') && !w.contains('='))?
    } else {
        first
    };
    if named.starts_with('/') {
        return Some(named.into());
    }
    std::env::split_paths(PATH)
        .map(|dir| dir.join(named))
        .find(|p| p.exists())
}

impl Commands {
    /// Refuses grants that are malformed or amount to root without `dangerous: true`.
    pub(super) fn validate(&self) -> Result<(), String> {
        self.0.iter().try_for_each(CommandGrant::validate)
    }

    /// The grant that lets `program` run with `args`, or a denial naming the program (never
    /// the arguments, which may be secret by mistake).
    pub(super) fn check<'a>(
        &'a self,
        gate: &mut Gate,
        program: &str,
        args: &[String],
    ) -> Result<&'a CommandGrant, HostError> {
        let mut of_program = self.0.iter().filter(|g| g.program == program).peekable();
        if of_program.peek().is_none() {
            return gate.deny(format!(
                "running {program:?} is not granted (capabilities.yaml: commands)"
            ));
        }
        match of_program.find(|g| g.accepts(args)) {
            Some(grant) => Ok(grant),
            None => gate.deny(format!(
                "running {program:?} with these {} arguments is not granted (capabilities.yaml: commands args)",
                args.len()
            )),
        }
    }

    /// Every grant's dangers, for `check`.
    pub fn dangers(&self) -> Vec<String> {
        self.0.iter().flat_map(CommandGrant::dangers).collect()
    }
}

impl super::Capability for Commands {
    fn interface(&self) -> &'static str {
        "commands"
    }

    fn granted(&self) -> bool {
        !self.0.is_empty()
    }

    fn report(&self) -> String {
        if self.0.is_empty() {
            return "commands: not granted (no program of the machine)".into();
        }
        let grants = self.0.iter().map(|g| {
            let user = g.user.as_deref().unwrap_or("root");
            let args: Vec<String> = g.args.iter().map(Arg::shown).collect();
            format!("{} [{}] (as {user})", g.program, args.join(" "))
        });
        format!("commands: {}", super::report::list(grants))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(args: &[&str]) -> CommandGrant {
        let yaml = format!(
            "program: /usr/bin/tool\nargs: [{}]\n",
            args.iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        juju_hookcmds::yaml::from_str(&yaml).unwrap()
    }

    fn accepts(g: &CommandGrant, args: &[&str]) -> bool {
        g.accepts(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments_match_one_rule_each_and_exactly_as_many() {
        let g = grant(&["admin"]);
        assert!(accepts(&g, &["admin"]));
        assert!(!accepts(&g, &["admin", "extra"]));
        assert!(!accepts(&g, &[]));
        assert!(!accepts(&g, &["Admin"]));
    }

    #[test]
    fn placeholders_accept_their_class_and_never_an_option() {
        let g = grant(&["{name}", "{int}", "{path}"]);
        assert!(accepts(&g, &["main", "16", "/var/lib/x"]));
        assert!(!accepts(&g, &["--help", "16", "/var/lib/x"]));
        assert!(!accepts(&g, &["main", "1a", "/var/lib/x"]));
        assert!(!accepts(&g, &["main", "16", "/var/lib/../x"]));
        assert!(!accepts(&g, &["a b", "16", "/x"]));
        let any = grant(&["{any}"]);
        assert!(accepts(&any, &["a b c"]));
        assert!(!accepts(&any, &["-rf"]));
        let after = grant(&["--", "{any}"]);
        assert!(accepts(&after, &["--", "-file-starting-with-dash"]));
    }

    #[test]
    fn a_pattern_is_anchored_at_both_ends() {
        let g = grant(&["re:start|stop"]);
        assert!(accepts(&g, &["start"]));
        assert!(!accepts(&g, &["restart"]));
        assert!(!accepts(&g, &["start\n"]));
        assert!(!accepts(&g, &["stopx"]));
        let dash = grant(&["re:.*"]);
        assert!(!accepts(&dash, &["--exec=sh"]));
    }

    #[test]
    fn an_unknown_placeholder_or_a_bad_pattern_is_refused() {
        assert!(Arg::parse("{user}").is_err());
        assert!(Arg::parse("re:(").is_err());
        assert!(Arg::parse("re:start)|(.*").is_err(), "escapes its anchors");
    }

    fn refused(yaml: &str) -> String {
        crate::capabilities::Manifest::parse(yaml, "c.yaml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_literal_argument_naming_a_dangerous_path_is_dangerous() {
        for args in [
            "[/etc/sudoers.d/x]",
            "[\"of=/etc/cron.d/x\"]",
            "[\"--output=/etc/shadow\"]",
            "[/etc/../etc/cron.d/x]",
        ] {
            let err = refused(&format!(
                "commands:\n  - {{program: /usr/bin/mytool, args: {args}}}\n"
            ));
            assert!(err.contains("dangerous: true"), "{args}: {err}");
        }
        crate::capabilities::Manifest::parse(
            "commands:\n  - {program: /usr/bin/mytool, args: [/srv/app/config]}\n",
            "c.yaml",
        )
        .unwrap();
    }

    #[test]
    fn an_environment_name_that_is_not_a_plain_word_or_changes_what_runs_is_refused() {
        for name in ["'BASH_FUNC_x%%'", "'A-B'", "'1A'"] {
            let err = refused(&format!(
                "commands:\n  - {{program: /usr/bin/mytool, env: {{{name}: x}}}}\n"
            ));
            assert!(err.contains("environment"), "{name}: {err}");
        }
        for name in [
            "PATH",
            "HOME",
            "PERLLIB",
            "OPENSSL_CONF",
            "LESSOPEN",
            "JAVA_TOOL_OPTIONS",
            "XDG_CONFIG_HOME",
        ] {
            let err = refused(&format!(
                "commands:\n  - {{program: /usr/bin/mytool, env: {{{name}: x}}}}\n"
            ));
            assert!(err.contains("dangerous: true"), "{name}: {err}");
        }
    }

    #[test]
    fn judging_a_program_never_opens_a_fifo_or_a_device() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("tool");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o700) }, 0);
        let started = std::time::Instant::now();
        assert!(judged(&fifo).is_empty());
        assert!(judged(Path::new("/dev/watchdog")).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_script_is_judged_by_its_interpreter_with_free_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("set-password");
        std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
        let literal = format!(
            "commands:\n  - {{program: {}, args: [admin]}}\n",
            script.display()
        );
        crate::capabilities::Manifest::parse(&literal, "c.yaml").unwrap();
        let free = format!(
            "commands:\n  - {{program: {}, args: [\"{{any}}\"]}}\n",
            script.display()
        );
        let err = crate::capabilities::Manifest::parse(&free, "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dangerous"), "{err}");
        let env = format!(
            "commands:\n  - {{program: {}, env: {{LD_PRELOAD: /tmp/x.so}}}}\n",
            script.display()
        );
        let err = crate::capabilities::Manifest::parse(&env, "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("LD_PRELOAD"), "{err}");
    }
}
