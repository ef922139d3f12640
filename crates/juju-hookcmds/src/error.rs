//! How a hook command fails, both ways: Juju's refusal as the simulator gives it (exit status
//! and `ERROR` text), and the typed error the host makes of a failed command's stderr.

/// A refusal as a hook command reports it: its exit status and Juju's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JujuError {
    /// 1 (refused when run) or 2 (arguments not valid), as the hook command exits.
    pub code: i32,
    /// Juju's message, without the `ERROR ` prefix.
    pub message: String,
}

impl JujuError {
    /// Exit status 1: refused when run.
    pub fn run(message: impl Into<String>) -> Self {
        JujuError {
            code: 1,
            message: message.into(),
        }
    }

    /// Exit status 2: the arguments are not valid.
    pub fn usage(message: impl Into<String>) -> Self {
        JujuError {
            code: 2,
            message: message.into(),
        }
    }

    /// What a charm is told of this refusal: the same as of a real command printing it.
    pub fn to_command_error(&self, tool: &str) -> CommandError {
        CommandError::from_stderr(tool, self.code, &format!("ERROR {}\n", self.message))
    }
}

/// What a failed hook command means to the charm (the contract's error cases), or that its
/// output cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Juju found no such secret, key, relation or unit.
    #[error("{0}")]
    NotFound(String),
    /// Juju refused the unit access.
    #[error("{0}")]
    PermissionDenied(String),
    /// Only the leader may do this.
    #[error("{0}")]
    NotLeader(String),
    /// Content that breaks Juju's rules.
    #[error("{0}")]
    InvalidContent(String),
    /// The label is taken.
    #[error("{0}")]
    LabelConflict(String),
    /// An argument Juju would not take.
    #[error("{0}")]
    InvalidArgument(String),
    /// Any other refusal.
    #[error("{0}")]
    Backend(String),
    /// The command printed what Juju never prints: the host cannot trust its environment.
    #[error("{0}")]
    Unusable(String),
}

impl CommandError {
    /// Maps a failed hook command to the charm's error, by Juju's message texts (as ops does)
    /// and by exit status: 2 is Juju's "bad arguments", 1 a refusal at run time.
    pub fn from_stderr(tool: &str, code: i32, stderr: &str) -> Self {
        // Juju's message is the `ERROR ` line; otherwise the last thing the command said.
        // Either way one line, with control characters neutralised, so it is safe to show
        // anywhere.
        let line = stderr
            .lines()
            .find_map(|l| l.strip_prefix("ERROR "))
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or_default();
        let msg: String = line.trim().chars().map(neutral).collect();
        let line = msg.trim();
        if line.is_empty() {
            return CommandError::Backend(format!("{tool} exited with status {code}"));
        }
        let msg = line.to_string();
        let lower = line.to_ascii_lowercase();
        if lower.contains("not found") || lower.starts_with("no network config found") {
            CommandError::NotFound(msg)
        } else if lower.contains("permission denied") || lower.contains("access denied") {
            CommandError::PermissionDenied(msg)
        } else if lower.contains("not the leader") || lower.contains("only unit leaders") {
            CommandError::NotLeader(msg)
        } else if lower.contains("label") && lower.contains("already exists") {
            CommandError::LabelConflict(msg)
        } else if lower.contains("too large")
            || lower.starts_with("key ")
            || lower.contains("secret value")
        {
            CommandError::InvalidContent(msg)
        } else if code == 2
            || lower.contains("not running an action")
            || (lower.starts_with("max allowed") && lower.contains("exceeded"))
        {
            CommandError::InvalidArgument(msg)
        } else {
            CommandError::Backend(format!("{tool}: {msg}"))
        }
    }
}

/// A character a charm wrote, as it may appear in the host's lines: control characters, line
/// and paragraph separators and bidirectional overrides (which could forge or hide what a
/// terminal shows) become a space.
pub fn neutral(c: char) -> char {
    let bidi =
        matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
    if c.is_control() || bidi || c == '\u{2028}' || c == '\u{2029}' {
        ' '
    } else {
        c
    }
}
